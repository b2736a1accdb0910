package org.mailsec.webadmin;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import javax.inject.Inject;
import org.apache.james.task.TaskManager;
import org.apache.james.task.TaskType;
import org.apache.james.webadmin.tasks.TaskFromRequest;
import org.mailsec.reporting.DmarcReportRun;
import org.mailsec.reporting.ReportRun;
import spark.Service;

/**
 * {@code POST /mailsec/dmarc-reports/send?period=2026-12-04T06:00:00Z}: a James task that sends the DMARC aggregate
 * reports of the periods ending at that whole UTC hour now (default: the last whole hour), without the hourly job's
 * pauses. Answers 201 with {@code {"taskId"}}; {@code GET /tasks/{taskId}} shows what it did. A period already sent is
 * not sent again.
 */
public class DmarcReportRoutes extends JsonRoutes {

    public static final String BASE = "/mailsec/dmarc-reports/send";
    public static final TaskType SEND_REPORTS = TaskType.of("mailsec-send-dmarc-reports");

    private final DmarcReportRun reportRun;
    private final TaskManager taskManager;
    private final Clock clock;

    @Inject
    public DmarcReportRoutes(DmarcReportRun run, TaskManager taskManager, Clock clock) {
        super(BASE);
        this.reportRun = run;
        this.taskManager = taskManager;
        this.clock = clock;
    }

    @Override
    protected void routes(Service service) {
        TaskFromRequest task = request -> {
            Instant lastHour = DmarcReportRun.periodEndAt(clock.instant());
            Instant end = MailsecRoutes.instant(request, "period").orElse(lastHour);
            if (!end.equals(end.truncatedTo(ChronoUnit.HOURS))) {
                throw MailsecRoutes.badRequest("period " + end + " is not a whole UTC hour (periods end at one)");
            }
            if (end.isAfter(lastHour)) {
                // Sending a period before it ends would leave its later evaluations to a report of their own.
                throw MailsecRoutes.badRequest("the period ending " + end + " is not over yet");
            }
            return new SendReportsTask(SEND_REPORTS, "for the periods ending " + end, () -> {
                // One worker per core: an operator's run waits for nothing.
                DmarcReportRun.Summary summary = reportRun.run(end, ReportRun.Pacer.NONE, Runtime.getRuntime().availableProcessors());
                return new SendReportsTask.Outcome(SendDmarcReportsDetails.of(summary, clock.instant()), summary.failed() > 0,
                    summary);
            }, () -> new SendDmarcReportsDetails(end, 0, 0, 0, 0, 0, 0, 0, clock.instant()));
        };
        service.post(BASE, task.asRoute(taskManager), json);
    }
}
