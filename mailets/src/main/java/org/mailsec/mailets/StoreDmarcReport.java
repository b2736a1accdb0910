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
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.dmarc.report.AggregateReportReader;
import org.mailsec.io.InputLimits;
import org.mailsec.io.RejectedInputException;
import org.mailsec.store.dmarc.IncomingDmarcReports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores the DMARC aggregate reports other servers mail to us (XML, gzip, zip; XXE-safe and within size caps),
 * once per (organization, report-id, date range). The mail then goes on as usual, or is consumed with
 * {@code <ghost>true</ghost>}; an unreadable report leaves it untouched but for {@code mailsec.report.rejected}.
 * {@code <onlyOurDomains>true</onlyOurDomains>} keeps only reports about James's domains.
 * Use with {@code match="org.mailsec.matchers.IsDmarcAggregateReport"}.
 */
public class StoreDmarcReport extends GenericMailet {

    private static final Logger LOG = LoggerFactory.getLogger(StoreDmarcReport.class);

    private final IncomingDmarcReports reports;
    private final MetricFactory metrics;
    private final Clock clock;
    private final org.apache.james.domainlist.api.DomainList domains;
    private final InputLimits limits = InputLimits.DEFAULT;
    private final AggregateReportReader reader = new AggregateReportReader(InputLimits.DEFAULT);
    private boolean ghost;
    private boolean onlyOurDomains;

    @Inject
    public StoreDmarcReport(IncomingDmarcReports reports, MetricFactory metrics, Clock clock,
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
        List<AggregateReport> read;
        try {
            read = reader.read(ReportIngestion.bytes(mail, limits), mail.getName() + ".eml");
        } catch (RejectedInputException e) {
            metrics.generate("mailsec_dmarc_reports_rejected").increment();
            LOG.info("DMARC report mail {} from {} not stored: {}", mail.getName(), mail.getMaybeSender().asString(),
                e.getMessage());
            ReportIngestion.rejected(mail, e.getMessage());
            return;
        }
        String fromDomain = mail.getMaybeSender().asOptional().map(a -> a.getDomain().asString()).orElse("");
        List<String> ids = new ArrayList<>();
        boolean accepted = false;
        for (AggregateReport report : read) {
            if (onlyOurDomains && !ReportIngestion.ours(report.policy().domain(), domains)) {
                ReportIngestion.rejected(mail, "report " + report.metadata().reportId() + " is about no domain of ours");
                LOG.info("DMARC report {} about {} is about no domain of ours; not stored", report.metadata().reportId(),
                    report.policy().domain());
                continue;
            }
            accepted = true;
            Optional<Long> id = reports.add(report, fromDomain, clock.instant());
            if (id.isPresent()) {
                ids.add(String.valueOf(id.get()));
                metrics.generate("mailsec_dmarc_reports_received").increment();
                LOG.info("DMARC report {} from {} stored as {}", report.metadata().reportId(), report.metadata().orgName(),
                    id.get());
            } else {
                metrics.generate("mailsec_dmarc_reports_duplicate").increment();
            }
        }
        ReportIngestion.stored(mail, String.join(",", ids));
        // Consumed only when its report was taken; anything refused stays in the mailbox.
        if (ghost && accepted) {
            mail.setState(Mail.GHOST);
        }
    }
}
