package org.mailsec.mailets;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.inject.Inject;
import javax.mail.MessagingException;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.mailsec.io.InputLimits;
import org.mailsec.io.RejectedInputException;
import org.mailsec.store.report.IncomingTlsReports;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores the SMTP TLS reports (RFC 8460) other servers mail to us, read leniently and within size caps, once
 * per (organization, report-id, date range). The mail then goes on as usual, or is consumed with
 * {@code <ghost>true</ghost>}. A report that cannot be read leaves the mail untouched but for the attribute
 * {@code mailsec.report.rejected}. {@code <onlyOurDomains>true</onlyOurDomains>} keeps only reports about James's
 * domains (or hosts below them). Use with {@code match="org.mailsec.matchers.IsTlsReport"}.
 */
public class StoreTlsReport extends GenericMailet {

    private static final Logger LOG = LoggerFactory.getLogger(StoreTlsReport.class);

    private final IncomingTlsReports reports;
    private final MetricFactory metrics;
    private final Clock clock;
    private final org.apache.james.domainlist.api.DomainList domains;
    private final InputLimits limits = InputLimits.DEFAULT;
    private final TlsReportReader reader = new TlsReportReader(InputLimits.DEFAULT);
    private boolean ghost;
    private boolean onlyOurDomains;

    @Inject
    public StoreTlsReport(IncomingTlsReports reports, MetricFactory metrics, Clock clock,
                          org.apache.james.domainlist.api.DomainList domains) {
        this.domains = domains;
        this.reports = reports;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public void init() {
        ghost = getInitParameter("ghost", false);
        onlyOurDomains = getInitParameter("onlyOurDomains", false);
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        List<TlsReport> read;
        try {
            read = reader.read(ReportIngestion.bytes(mail, limits), mail.getName() + ".eml");
        } catch (RejectedInputException e) {
            metrics.generate("mailsec_tls_reports_rejected").increment();
            LOG.info("TLS report mail {} from {} not stored: {}", mail.getName(), mail.getMaybeSender().asString(), e.getMessage());
            ReportIngestion.rejected(mail, e.getMessage());
            return;
        }
        String sender = mail.getMaybeSender().asString("");
        String fromDomain = mail.getMaybeSender().asOptional().map(a -> a.getDomain().asString()).orElse("");
        List<String> ids = new ArrayList<>();
        boolean accepted = false;
        for (TlsReport report : read) {
            String policyDomain = report.policies().isEmpty() ? "" : report.policies().get(0).policy().domain();
            if (onlyOurDomains && report.policies().stream().noneMatch(p -> ReportIngestion.ours(p.policy().domain(), domains))) {
                ReportIngestion.rejected(mail, "report " + report.reportId() + " is about no domain of ours");
                LOG.info("TLS report {} from {} is about no domain of ours; not stored", report.reportId(),
                    report.organizationName());
                continue;
            }
            accepted = true;
            Optional<Long> id = reports.add(report, policyDomain, fromDomain, sender, false, false, clock.instant());
            if (id.isPresent()) {
                ids.add(String.valueOf(id.get()));
                metrics.generate("mailsec_tls_reports_received").increment();
                LOG.info("TLS report {} from {} about {} stored as {}", report.reportId(), report.organizationName(),
                    policyDomain, id.get());
            } else {
                metrics.generate("mailsec_tls_reports_duplicate").increment();
                LOG.info("TLS report {} from {} was already stored", report.reportId(), report.organizationName());
            }
        }
        ReportIngestion.stored(mail, String.join(",", ids));
        // Consumed only when its report was taken; anything refused stays in the mailbox.
        if (ghost && accepted) {
            mail.setState(Mail.GHOST);
        }
    }
}
