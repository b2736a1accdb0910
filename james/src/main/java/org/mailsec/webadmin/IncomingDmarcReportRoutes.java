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
        super(DMARC, rejectedReports, clock);
        this.dmarcReports = dmarcReports;
    }

    @Override
    protected void routes(Service service) {
        get(service, DMARC + "/rejected", request -> rejected(RejectedReport.Kind.DMARC, request));
        get(service, DMARC + "/summaries", request -> {
            MailsecRoutes.Period period = period(request);
            return MailsecRoutes.page(request).of(dmarcReports.summaries(period.start(), period.end(), domain(request)))
                .stream().map(IncomingReportDtos.DmarcSummary::of).toList();
        });
        get(service, DMARC + "/:id", request -> {
            IncomingDmarcReport report = dmarcReports.byId(id(request)).orElseThrow(() -> notFound(request));
            return IncomingReportDtos.DmarcReport.of(report);
        });
        get(service, DMARC, request -> {
            MailsecRoutes.Period period = period(request);
            return dmarcReports.list(period.start(), period.end(), domain(request), MailsecRoutes.page(request)).stream()
                .map(IncomingReportDtos.DmarcReport::of).toList();
        });
    }
}
