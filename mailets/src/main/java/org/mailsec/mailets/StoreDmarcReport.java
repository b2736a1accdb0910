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
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.dmarc.report.AggregateReportReader;
import org.mailsec.dns.DnsResolver;
import org.mailsec.io.InputLimits;
import org.mailsec.io.RejectedInputException;
import org.mailsec.store.StoreException;
import org.mailsec.store.dmarc.IncomingDmarcReports;
import org.mailsec.store.report.RejectedReport;
import org.mailsec.store.report.RejectedReports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores the DMARC aggregate reports other servers mail to us (XML, gzip, zip; XXE-safe and within size caps),
 * once per (organization, report-id, date range). Use with
 * {@code match="org.mailsec.matchers.IsDmarcAggregateReport"}. The options are {@link StoreTlsReport}'s:
 * {@code ghost}, {@code onlyOurDomains}, {@code hosts} and {@code requireAlignedDkim}; refusals are listed under
 * {@code GET /mailsec/dmarc-reports/rejected}.
 */
public class StoreDmarcReport extends GenericMailet {

    private static final Logger LOG = LoggerFactory.getLogger(StoreDmarcReport.class);

    private final IncomingDmarcReports reports;
    private final MetricFactory metrics;
    private final Clock clock;
    private final ReportIngestion ingestion;
    private final AggregateReportReader reader;
    private boolean ghost;
    private boolean onlyOurDomains;
    private boolean requireAlignedDkim;

    @Inject
    public StoreDmarcReport(IncomingDmarcReports reports, RejectedReports rejectedReports, DnsResolver resolver,
                            MetricFactory metrics, Clock clock, DomainList domains, InputLimits limits) {
        this.reports = reports;
        this.reader = new AggregateReportReader(limits);
        this.metrics = metrics;
        this.clock = clock;
        this.ingestion = new ReportIngestion(RejectedReport.Kind.DMARC, rejectedReports, metrics, clock, domains,
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
        List<AggregateReport> read;
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
        String fromDomain = mail.getMaybeSender().asOptional().map(a -> a.getDomain().asString()).orElse("");
        List<String> ids = new ArrayList<>();
        boolean accepted = false;
        for (AggregateReport report : read) {
            String reportId = report.metadata().reportId();
            if (onlyOurDomains && !ingestion.ours(String.valueOf(report.policy().domain()))) {
                ingestion.refuse(mail, "report " + reportId + " from " + report.metadata().orgName()
                    + " is about no domain of ours (" + report.policy().domain() + ")");
                continue;
            }
            Optional<Long> id;
            try {
                id = reports.add(report, fromDomain, !dkim.aligned(), clock.instant());
            } catch (StoreException e) {
                ingestion.refuse(mail, "the store refused report " + reportId + ": " + e.getMessage());
                continue;
            }
            accepted = true;
            if (id.isPresent()) {
                ids.add(String.valueOf(id.get()));
                metrics.generate("mailsec_dmarc_reports_received").increment();
                LOG.info("DMARC report {} from {} stored as {} ({})", reportId, report.metadata().orgName(), id.get(),
                    dkim.detail());
            } else {
                metrics.generate("mailsec_dmarc_reports_duplicate").increment();
            }
        }
        ingestion.stored(mail, ids);
        // Consumed only when its report was taken; anything refused stays in the mailbox.
        if (ghost && accepted && mail.getAttribute(ReportIngestion.REJECTED).isEmpty()) {
            mail.setState(Mail.GHOST);
        }
    }
}
