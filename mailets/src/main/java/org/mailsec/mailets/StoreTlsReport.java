package org.mailsec.mailets;

import java.time.Clock;
import javax.inject.Inject;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.metrics.api.MetricFactory;
import org.mailsec.dns.DnsResolver;
import org.mailsec.intake.TlsReportFormat;
import org.mailsec.io.InputLimits;
import org.mailsec.store.rejected.RejectedReports;
import org.mailsec.store.tlsreport.IncomingTlsReports;
import org.mailsec.tlsrpt.TlsReport;

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

    @Inject
    public StoreTlsReport(IncomingTlsReports reports, RejectedReports rejectedReports, DnsResolver resolver,
                          MetricFactory metrics, Clock clock, DomainList domains, InputLimits limits) {
        super(new TlsReportFormat(reports, limits), rejectedReports, resolver, metrics, clock, domains, limits);
    }
}
