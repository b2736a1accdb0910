package org.mailsec.mailets;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.inject.Inject;
import javax.mail.MessagingException;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.mailsec.dmarc.OrganizationalDomains;
import org.mailsec.dns.DnsResolver;
import org.mailsec.io.InputLimits;
import org.mailsec.io.RejectedInputException;
import org.mailsec.store.StoreException;
import org.mailsec.store.report.IncomingTlsReports;
import org.mailsec.store.report.RejectedReport;
import org.mailsec.store.report.RejectedReports;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores the SMTP TLS reports (RFC 8460) other servers mail to us, read leniently and within size caps, once
 * per (organization, report-id, date range). Use with {@code match="org.mailsec.matchers.IsTlsReport"}.
 * <ul>
 *   <li>The mail then goes on as usual, or is consumed with {@code <ghost>true</ghost>} once its report is
 *       stored. A report that is not stored leaves the mail untouched but for the attribute
 *       {@code mailsec.report.rejected}; the reason is also kept for {@code GET /mailsec/tls-reports/rejected}.</li>
 *   <li>{@code <onlyOurDomains>true</onlyOurDomains>} keeps only reports about James's domains, hosts below them
 *       and the names in {@code <hosts>mx.provider.example, …</hosts>}.</li>
 *   <li>Every report mail's DKIM signatures are verified; a report without a pass aligned with its From domain
 *       is stored as unauthenticated, or refused with {@code <requireAlignedDkim>true</requireAlignedDkim>}.</li>
 * </ul>
 */
public class StoreTlsReport extends GenericMailet {

    private static final Logger LOG = LoggerFactory.getLogger(StoreTlsReport.class);

    private final IncomingTlsReports reports;
    private final MetricFactory metrics;
    private final Clock clock;
    private final ReportIngestion ingestion;
    private final TlsReportReader reader;
    private boolean ghost;
    private boolean onlyOurDomains;
    private boolean requireAlignedDkim;

    @Inject
    public StoreTlsReport(IncomingTlsReports reports, RejectedReports rejectedReports, DnsResolver resolver,
                          MetricFactory metrics, Clock clock, DomainList domains, InputLimits limits) {
        this.reports = reports;
        this.reader = new TlsReportReader(limits);
        this.metrics = metrics;
        this.clock = clock;
        this.ingestion = new ReportIngestion(RejectedReport.Kind.TLS, rejectedReports, metrics, clock, domains,
            new DkimAlignment(resolver, OrganizationalDomains.guava()), limits);
    }

    @Override
    public void init() {
        ghost = getInitParameter("ghost", false);
        onlyOurDomains = getInitParameter("onlyOurDomains", false);
        requireAlignedDkim = getInitParameter("requireAlignedDkim", false);
        ingestion.extraHosts(getInitParameter("hosts", ""));
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        byte[] raw;
        List<TlsReport> read;
        try {
            raw = ingestion.bytes(mail);
            read = reader.read(raw, mail.getName() + ".eml");
        } catch (RejectedInputException e) {
            ingestion.refuse(mail, e.getMessage());
            return;
        }
        DkimAlignment.Verdict dkim = ingestion.authenticate(mail, raw);
        if (requireAlignedDkim && !dkim.aligned()) {
            ingestion.refuse(mail, "no aligned DKIM pass (" + dkim.detail() + ")");
            return;
        }
        String sender = mail.getMaybeSender().asString("");
        String fromDomain = mail.getMaybeSender().asOptional().map(a -> a.getDomain().asString()).orElse("");
        List<String> ids = new ArrayList<>();
        boolean accepted = false;
        for (TlsReport report : read) {
            String policyDomain = report.policies().isEmpty() ? "" : report.policies().get(0).policy().domain();
            if (onlyOurDomains && report.policies().stream().noneMatch(p -> ingestion.ours(p.policy().domain()))) {
                ingestion.refuse(mail, "report " + report.reportId() + " from " + report.organizationName()
                    + " is about no domain of ours (" + policyDomain + ")");
                continue;
            }
            Optional<Long> id;
            try {
                id = reports.add(report, policyDomain, fromDomain, sender, false, !dkim.aligned(), clock.instant());
            } catch (StoreException e) {
                // The store is down or refuses: the mail still reaches the mailbox, where the report can be read.
                ingestion.refuse(mail, "the store refused report " + report.reportId() + ": " + e.getMessage());
                continue;
            }
            accepted = true;
            if (id.isPresent()) {
                ids.add(String.valueOf(id.get()));
                metrics.generate("mailsec_tls_reports_received").increment();
                LOG.info("TLS report {} from {} about {} stored as {} ({})", report.reportId(), report.organizationName(),
                    policyDomain, id.get(), dkim.detail());
            } else {
                metrics.generate("mailsec_tls_reports_duplicate").increment();
                LOG.info("TLS report {} from {} was already stored", report.reportId(), report.organizationName());
            }
        }
        ingestion.stored(mail, ids);
        // Consumed only when its report was taken; anything refused stays in the mailbox.
        if (ghost && accepted && mail.getAttribute(ReportIngestion.REJECTED).isEmpty()) {
            mail.setState(Mail.GHOST);
        }
    }
}
