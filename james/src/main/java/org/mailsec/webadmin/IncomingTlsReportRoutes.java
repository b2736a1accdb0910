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
        super(rejectedReports, clock);
        this.tlsReports = tlsReports;
    }

    @Override
    public String getBasePath() {
        return TLS;
    }

    @Override
    public void define(Service service) {
        MailsecRoutes.answerMalformedRequestsWith400(service);
        service.get(TLS + "/rejected", (request, response) -> rejected(RejectedReport.Kind.TLS, request, response), json);
        service.get(TLS + "/summaries", (request, response) -> {
            response.type("application/json");
            return MailsecRoutes.page(request).of(tlsReports.summaries(start(request), end(request), domain(request))).stream()
                .map(IncomingReportDtos.TlsSummary::of).toList();
        }, json);
        service.get(TLS + "/:id", (request, response) -> {
            IncomingTlsReport report = tlsReports.byId(id(request)).orElseThrow(() -> notFound(request));
            response.type("application/json");
            return IncomingReportDtos.TlsReport.of(report, MAPPER.readTree(TlsReportJson.write(report.report())));
        }, json);
        service.get(TLS, (request, response) -> {
            response.type("application/json");
            return tlsReports.listings(start(request), end(request), domain(request), MailsecRoutes.page(request)).stream()
                .map(IncomingReportDtos.TlsReport::of).toList();
        }, json);
    }
}
