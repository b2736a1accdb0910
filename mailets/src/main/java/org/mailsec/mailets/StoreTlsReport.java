package org.mailsec.mailets;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.inject.Inject;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Mail;
import org.mailsec.dns.DnsResolver;
import org.mailsec.io.InputLimits;
import org.mailsec.io.RejectedInputException;
import org.mailsec.store.tlsreport.IncomingTlsReports;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.store.rejected.RejectedReports;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportReader;

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
public class StoreTlsReport extends StoreReportMailet<TlsReport> {

    private final IncomingTlsReports reports;
    private final TlsReportReader reader;

    @Inject
    public StoreTlsReport(IncomingTlsReports reports, RejectedReports rejectedReports, DnsResolver resolver,
                          MetricFactory metrics, Clock clock, DomainList domains, InputLimits limits) {
        super(RejectedReport.Kind.TLS, rejectedReports, resolver, metrics, clock, domains, limits);
        this.reports = reports;
        this.reader = new TlsReportReader(limits);
    }

    @Override
    protected List<TlsReport> read(byte[] message, String name) throws RejectedInputException {
        return reader.read(message, name);
    }

    @Override
    protected List<String> about(TlsReport report) {
        return report.policyDomains();
    }

    @Override
    protected String describe(TlsReport report) {
        return "TLS report " + report.reportId() + " from " + report.organizationName();
    }

    @Override
    protected Optional<Long> store(TlsReport report, Mail mail, boolean unauthenticated, Instant receivedAt) {
        String fromDomain = mail.getMaybeSender().asOptional().map(a -> a.getDomain().asString()).orElse("");
        return reports.add(report, report.firstPolicyDomain(), fromDomain, mail.getMaybeSender().asString(""), unauthenticated,
            receivedAt);
    }
}
