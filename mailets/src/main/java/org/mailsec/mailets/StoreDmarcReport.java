package org.mailsec.mailets;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.inject.Inject;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Mail;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.dmarc.report.AggregateReportReader;
import org.mailsec.dns.DnsResolver;
import org.mailsec.io.InputLimits;
import org.mailsec.io.RejectedInputException;
import org.mailsec.store.dmarc.IncomingDmarcReports;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.store.rejected.RejectedReports;

/**
 * Stores the DMARC aggregate reports other servers mail to us (XML, gzip, zip; XXE-safe and within size caps),
 * once per (organization, report-id, date range). Use with
 * {@code match="org.mailsec.matchers.IsDmarcAggregateReport"}. The options are {@link StoreTlsReport}'s:
 * {@code ghost}, {@code onlyOurDomains}, {@code hosts} and {@code requireAlignedDkim}; refusals are listed under
 * {@code GET /mailsec/dmarc-reports/rejected}.
 */
public class StoreDmarcReport extends StoreReportMailet<AggregateReport> {

    private final IncomingDmarcReports reports;
    private final AggregateReportReader reader;

    @Inject
    public StoreDmarcReport(IncomingDmarcReports reports, RejectedReports rejectedReports, DnsResolver resolver,
                            MetricFactory metrics, Clock clock, DomainList domains, InputLimits limits) {
        super(RejectedReport.Kind.DMARC, rejectedReports, resolver, metrics, clock, domains, limits);
        this.reports = reports;
        this.reader = new AggregateReportReader(limits);
    }

    @Override
    protected List<AggregateReport> read(byte[] message, String name) throws RejectedInputException {
        return reader.read(message, name);
    }

    @Override
    protected List<String> about(AggregateReport report) {
        return List.of(String.valueOf(report.policy().domain()));
    }

    @Override
    protected String describe(AggregateReport report) {
        return "DMARC report " + report.metadata().reportId() + " from " + report.metadata().orgName();
    }

    @Override
    protected Optional<Long> store(AggregateReport report, Mail mail, boolean unauthenticated, Instant receivedAt) {
        String fromDomain = mail.getMaybeSender().asOptional().map(a -> a.getDomain().asString()).orElse("");
        return reports.add(report, fromDomain, unauthenticated, receivedAt);
    }
}
