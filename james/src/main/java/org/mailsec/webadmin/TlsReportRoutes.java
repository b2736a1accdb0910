package org.mailsec.webadmin;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.inject.Inject;
import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.mailsec.reporting.TlsReportRun;
import org.mailsec.store.tls.CoalescingRecorder;
import spark.Service;

/**
 * {@code POST /mailsec/tls-reports/send?day=YYYY-MM-DD}: sends the TLS reports of a UTC day now (default:
 * yesterday), without the daily job's pauses. Reports already sent are not sent again.
 */
public class TlsReportRoutes implements Routes {

    public static final String BASE = "/mailsec/tls-reports/send";

    private final TlsReportRun run;
    private final CoalescingRecorder recorder;
    private final JsonTransformer json = new JsonTransformer();

    private final java.time.Clock clock;

    @Inject
    public TlsReportRoutes(TlsReportRun run, CoalescingRecorder recorder, java.time.Clock clock) {
        this.run = run;
        this.recorder = recorder;
        this.clock = clock;
    }

    @Override
    public String getBasePath() {
        return BASE;
    }

    @Override
    public void define(Service service) {
        service.post(BASE, (request, response) -> {
            LocalDate day = Optional.ofNullable(request.queryParams("day")).map(TlsResultRoutes::day)
                .orElse(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).minusDays(1));
            recorder.flush();
            TlsReportRun.Summary summary = run.runNow(day, Runtime.getRuntime().availableProcessors());
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("day", summary.day().toString());
            body.put("mailed", summary.mailed());
            body.put("posted", summary.posted());
            body.put("failed", summary.failed());
            body.put("suppressed", summary.suppressed());
            body.put("skipped", summary.skipped());
            response.type("application/json");
            return body;
        }, json);
    }
}
