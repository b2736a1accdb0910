package org.mailsec.james;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.inject.Inject;
import org.apache.james.core.healthcheck.ComponentName;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.core.healthcheck.Result;
import org.mailsec.reportreceiver.HttpsReportReceiver;
import org.mailsec.store.Database;
import org.mailsec.store.dmarc.CoalescingEvaluations;
import org.mailsec.store.tls.CoalescingRecorder;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * mailsec in James's {@code /healthcheck} ({@code additional.healthchecks} in healthcheck.properties): unhealthy when
 * the store cannot be reached, when TLS results or DMARC evaluations have not been stored for a minute, or when the
 * enabled HTTPS listener (report receiver, MTA-STS policies) does not accept connections. A check answers within 5
 * seconds.
 */
public class MailsecHealthCheck implements HealthCheck {

    static final ComponentName COMPONENT = new ComponentName("mailsec");
    private static final Duration RECORDER_GRACE = Duration.ofMinutes(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final Database database;
    private final CoalescingRecorder recorder;
    private final CoalescingEvaluations evaluations;
    private final HttpsReportReceiver receiver;

    @Inject
    public MailsecHealthCheck(Database database, CoalescingRecorder recorder, CoalescingEvaluations evaluations,
                              HttpsReportReceiver receiver) {
        this.database = database;
        this.recorder = recorder;
        this.evaluations = evaluations;
        this.receiver = receiver;
    }

    @Override
    public ComponentName componentName() {
        return COMPONENT;
    }

    @Override
    public Publisher<Result> check() {
        return Mono.fromCallable(this::checkNow)
            .subscribeOn(Schedulers.boundedElastic())
            .timeout(TIMEOUT, Mono.fromCallable(() -> Result.unhealthy(COMPONENT, "no answer within " + TIMEOUT.toSeconds()
                + " s (store or receiver hanging)")))
            .onErrorResume(e -> Mono.just(Result.unhealthy(COMPONENT, "check failed: " + e, e)));
    }

    private Result checkNow() {
        List<String> problems = new ArrayList<>();
        try (Connection c = database.connection()) {
            if (!c.isValid(2)) {
                problems.add("the store does not answer");
            }
        } catch (Exception e) {
            // A connection found dead may also fail to close: one cause, said once.
            if (problems.isEmpty()) {
                problems.add("the store is unreachable: " + e.getMessage());
            }
        }
        recorder.problem(RECORDER_GRACE).ifPresent(problems::add);
        evaluations.problem(RECORDER_GRACE).ifPresent(problems::add);
        receiver.problem().ifPresent(problems::add);
        return problems.isEmpty() ? Result.healthy(COMPONENT) : Result.unhealthy(COMPONENT, String.join("; ", problems));
    }
}
