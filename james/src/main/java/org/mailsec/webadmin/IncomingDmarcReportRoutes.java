package org.mailsec.webadmin;

import java.time.Clock;
import javax.inject.Inject;
import org.mailsec.store.dmarc.IncomingDmarcReport;
import org.mailsec.store.dmarc.IncomingDmarcReports;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.store.rejected.RejectedReports;
import spark.Service;

/** {@code GET /mailsec/dmarc-reports…}. */
public final class IncomingDmarcReportRoutes extends IncomingReportRoutes {
    private final IncomingDmarcReports dmarcReports;

    @Inject
    public IncomingDmarcReportRoutes(IncomingDmarcReports dmarcReports, RejectedReports rejectedReports, Clock clock) {
        super(rejectedReports, clock);
        this.dmarcReports = dmarcReports;
    }

    @Override
    public String getBasePath() {
        return DMARC;
    }

    @Override
    public void define(Service service) {
        MailsecRoutes.answerMalformedRequestsWith400(service);
        service.get(DMARC + "/rejected", (request, response) -> rejected(RejectedReport.Kind.DMARC, request, response), json);
        service.get(DMARC + "/summaries", (request, response) -> {
            response.type("application/json");
            return MailsecRoutes.page(request).of(dmarcReports.summaries(start(request), end(request), domain(request)))
                .stream().map(IncomingReportDtos.DmarcSummary::of).toList();
        }, json);
        service.get(DMARC + "/:id", (request, response) -> {
            IncomingDmarcReport report = dmarcReports.byId(id(request)).orElseThrow(() -> notFound(request));
            response.type("application/json");
            return IncomingReportDtos.DmarcReport.of(report);
        }, json);
        service.get(DMARC, (request, response) -> {
            response.type("application/json");
            return dmarcReports.list(start(request), end(request), domain(request), MailsecRoutes.page(request)).stream()
                .map(IncomingReportDtos.DmarcReport::of).toList();
        }, json);
    }
}
