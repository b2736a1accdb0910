package org.mailsec.webadmin;

import java.time.Clock;
import javax.inject.Inject;
import org.apache.james.webadmin.Routes;
import org.mailsec.store.tlsreport.IncomingTlsReport;
import org.mailsec.store.tlsreport.IncomingTlsReports;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.store.rejected.RejectedReports;
import org.mailsec.tlsrpt.TlsReportJson;
import spark.Service;

/**
 * {@code GET /mailsec/tls-reports…}. Its own Routes class: James's JWT filter guards a Routes class's base path
 * only, so one class serving two bases left the second open (issue "under attack", item 9).
 */
public final class IncomingTlsReportRoutes extends IncomingReportRoutes {
    private final IncomingTlsReports tlsReports;

    @Inject
    public IncomingTlsReportRoutes(IncomingTlsReports tlsReports, RejectedReports rejectedReports, Clock clock) {
        super(TLS, rejectedReports, clock);
        this.tlsReports = tlsReports;
    }

    @Override
    protected void routes(Service service) {
        get(service, TLS + "/rejected", request -> rejected(RejectedReport.Kind.TLS, request));
        get(service, TLS + "/summaries", request -> {
            MailsecRoutes.Period period = period(request);
            return MailsecRoutes.page(request).of(tlsReports.summaries(period.start(), period.end(), domain(request))).stream()
                .map(IncomingReportDtos.TlsSummary::of).toList();
        });
        get(service, TLS + "/:id", request -> {
            IncomingTlsReport report = tlsReports.byId(id(request)).orElseThrow(() -> notFound(request));
            return IncomingReportDtos.TlsReport.of(report, MAPPER.readTree(TlsReportJson.write(report.report())));
        });
        get(service, TLS, request -> {
            MailsecRoutes.Period period = period(request);
            return tlsReports.listings(period.start(), period.end(), domain(request), MailsecRoutes.page(request)).stream()
                .map(IncomingReportDtos.TlsReport::of).toList();
        });
    }
}
