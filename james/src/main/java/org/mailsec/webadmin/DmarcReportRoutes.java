package org.mailsec.webadmin;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import javax.inject.Inject;
import org.apache.james.task.Task;
import org.apache.james.task.TaskExecutionDetails;
import org.apache.james.task.TaskManager;
import org.apache.james.task.TaskType;
import org.apache.james.webadmin.tasks.TaskFromRequest;
import org.mailsec.reporting.DmarcReportRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
    private static final Logger LOG = LoggerFactory.getLogger(DmarcReportRoutes.class);

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
            return new SendTask(end);
        };
        service.post(BASE, task.asRoute(taskManager), json);
    }

    /** One period end's reports, with one worker per core. */
    private final class SendTask implements Task {
        private final Instant end;
        private volatile SendDmarcReportsDetails details;

        SendTask(Instant end) {
            this.end = end;
        }

        @Override
        public Result run() throws InterruptedException {
            DmarcReportRun.Summary summary = reportRun.run(end, org.mailsec.reporting.ReportRun.Pacer.NONE,
                Runtime.getRuntime().availableProcessors());
            details = SendDmarcReportsDetails.of(summary, clock.instant());
            LOG.info("task {} for the periods ending {}: {}", SEND_REPORTS.asString(), end, summary);
            return summary.failed() == 0 ? Result.COMPLETED : Result.PARTIAL;
        }

        @Override
        public TaskType type() {
            return SEND_REPORTS;
        }

        @Override
        public Optional<TaskExecutionDetails.AdditionalInformation> details() {
            return Optional.of(details != null ? details
                : new SendDmarcReportsDetails(end, 0, 0, 0, 0, 0, 0, 0, clock.instant()));
        }
    }
}
