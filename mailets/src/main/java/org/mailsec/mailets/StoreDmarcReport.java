package org.mailsec.mailets;

import java.time.Clock;
import javax.inject.Inject;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.metrics.api.MetricFactory;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.dns.DnsResolver;
import org.mailsec.intake.DmarcReportFormat;
import org.mailsec.io.InputLimits;
import org.mailsec.store.dmarc.IncomingDmarcReports;
import org.mailsec.store.rejected.RejectedReports;

/**
 * Stores the DMARC aggregate reports other servers mail to us (XML, gzip, zip; XXE-safe and within size caps),
 * once per (organization, report-id, date range). Use with
 * {@code match="org.mailsec.matchers.IsDmarcAggregateReport"}. The options are {@link StoreTlsReport}'s:
 * {@code ghost}, {@code onlyOurDomains}, {@code hosts} and {@code requireAlignedDkim}; refusals are listed under
 * {@code GET /mailsec/dmarc-reports/rejected}.
 */
public class StoreDmarcReport extends StoreReportMailet<AggregateReport> {

    @Inject
    public StoreDmarcReport(IncomingDmarcReports reports, RejectedReports rejectedReports, DnsResolver resolver,
                            MetricFactory metrics, Clock clock, DomainList domains, InputLimits limits) {
        super(new DmarcReportFormat(reports, limits), rejectedReports, resolver, metrics, clock, domains, limits);
    }
}
