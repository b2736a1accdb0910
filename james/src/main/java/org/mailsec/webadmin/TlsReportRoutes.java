package org.mailsec.webadmin;

import java.time.Clock;
import java.time.LocalDate;
import javax.inject.Inject;
import org.apache.james.task.TaskManager;
import org.apache.james.task.TaskType;
import org.apache.james.webadmin.tasks.TaskFromRequest;
import org.mailsec.reporting.TlsReportRun;
import org.mailsec.store.tls.CoalescingRecorder;
import spark.Service;

/**
 * {@code POST /mailsec/tls-reports/send?day=YYYY-MM-DD}: a James task that sends the TLS reports of a UTC day now
 * (default: yesterday), without the daily job's pauses. Answers 201 with {@code {"taskId"}}; follow it with
 * {@code GET /tasks/{taskId}} or {@code /tasks/{taskId}/await}. Reports already sent are not sent again.
 */
public class TlsReportRoutes extends JsonRoutes {

    public static final String BASE = "/mailsec/tls-reports/send";
    public static final TaskType SEND_REPORTS = TaskType.of("mailsec-send-tls-reports");

    private final TlsReportRun reportRun;
    private final CoalescingRecorder recorder;
    private final TaskManager taskManager;
    private final Clock clock;

    @Inject
    public TlsReportRoutes(TlsReportRun run, CoalescingRecorder recorder, TaskManager taskManager, Clock clock) {
        super(BASE);
        this.reportRun = run;
        this.recorder = recorder;
        this.taskManager = taskManager;
        this.clock = clock;
    }

    @Override
    protected void routes(Service service) {
        TaskFromRequest task = request -> {
            LocalDate today = MailsecRoutes.today(clock);
            LocalDate day = MailsecRoutes.day(request, "day").orElse(today.minusDays(1));
            if (!day.isBefore(today)) {
                // Marking an unfinished day sent would keep its later outcomes out of every report.
                throw MailsecRoutes.badRequest("the UTC day " + day + " is not over yet; its reports can be sent from "
                    + day.plusDays(1) + "T00:00:00Z");
            }
            return new SendReportsTask(SEND_REPORTS, "for " + day, () -> {
                recorder.flush();
                // One worker per core: an operator's run waits for nothing.
                TlsReportRun.Summary summary = reportRun.runNow(day, Runtime.getRuntime().availableProcessors());
                return new SendReportsTask.Outcome(SendReportsDetails.of(summary, clock.instant()), summary.failed() > 0, summary);
            }, () -> new SendReportsDetails(day, 0, 0, 0, 0, 0, clock.instant()));
        };
        service.post(BASE, task.asRoute(taskManager), json);
    }
}
