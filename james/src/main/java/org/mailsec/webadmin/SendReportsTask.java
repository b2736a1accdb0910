package org.mailsec.webadmin;

import java.util.Optional;
import java.util.function.Supplier;
import org.apache.james.task.Task;
import org.apache.james.task.TaskExecutionDetails;
import org.apache.james.task.TaskType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A webadmin task that runs one report run now (TLS reports of a day, DMARC reports of a period): what it did is its
 * details, empty counts until it has run; a run with failures ends {@code PARTIAL}.
 */
final class SendReportsTask implements Task {

    /** One run: what it did, and whether anything failed. */
    interface Run {
        Outcome run() throws InterruptedException;
    }

    record Outcome(TaskExecutionDetails.AdditionalInformation details, boolean failures, Object summary) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(SendReportsTask.class);

    private final TaskType type;
    private final String what;
    private final Run run;
    private final Supplier<TaskExecutionDetails.AdditionalInformation> notYet;
    private volatile TaskExecutionDetails.AdditionalInformation details;

    /** {@code what} names the run in the log ("for 2026-12-03"); {@code notYet} gives the details before it ends. */
    SendReportsTask(TaskType type, String what, Run run, Supplier<TaskExecutionDetails.AdditionalInformation> notYet) {
        this.type = type;
        this.what = what;
        this.run = run;
        this.notYet = notYet;
    }

    @Override
    public Result run() throws InterruptedException {
        Outcome outcome = run.run();
        details = outcome.details();
        LOG.info("task {} {}: {}", type.asString(), what, outcome.summary());
        return outcome.failures() ? Result.PARTIAL : Result.COMPLETED;
    }

    @Override
    public TaskType type() {
        return type;
    }

    @Override
    public Optional<TaskExecutionDetails.AdditionalInformation> details() {
        return Optional.of(details != null ? details : notYet.get());
    }
}
