package org.mailsec.outcome;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.james.metrics.api.Metric;
import org.apache.james.metrics.api.MetricFactory;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.store.tls.CoalescingRecorder;
import org.mailsec.store.tls.TlsResultKey;
import org.mailsec.tlsrpt.ResultType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the outcome of every TLS negotiation delivery makes, per policy domain and UTC day, for the
 * daily TLS reports (RFC 8460) and the admin API; and feeds James's metrics.
 *
 * <p>Failures under a policy are always counted. Successes, and failures of domains without any policy,
 * are counted only where the policy domain publishes a TLSRPT record: nobody would receive them. A session
 * under an MTA-STS policy that could not be fetched is counted once, as the fetch failure.
 */
public final class TlsOutcomes {

    /** Who was on each end of one connection. */
    public record Connection(String mx, String receivingIp, String sendingIp) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(TlsOutcomes.class);

    private final CoalescingRecorder recorder;
    private final MetricFactory metrics;
    private final Clock clock;
    private final Metric successes;
    private final Metric failures;
    private final Map<ResultType, Metric> failuresByType = new ConcurrentHashMap<>();

    public TlsOutcomes(CoalescingRecorder recorder, MetricFactory metrics, Clock clock) {
        this.recorder = recorder;
        this.metrics = metrics;
        this.clock = clock;
        this.successes = metrics.generate(MailsecMetrics.TLS_SUCCESS);
        this.failures = metrics.generate(MailsecMetrics.TLS_FAILURE);
    }

    public void success(ReportPolicy policy, String recipientDomain, boolean reportDelivery, Connection connection) {
        if (policy.sessionsCountAs().isPresent()) {
            // The handshake went well, but without what the policy asks (or with a failure known before it).
            TlsFailures.Failure failure = policy.sessionsCountAs().get();
            countFailure(failure.type());
            record(policy, recipientDomain, reportDelivery, failure.type().value(), failure.reasonCode(), connection);
            return;
        }
        successes.increment();
        if (policy.reportSuccess()) {
            record(policy, recipientDomain, reportDelivery, "", "", connection);
        }
    }

    public void failure(ReportPolicy policy, String recipientDomain, boolean reportDelivery, ResultType type,
                        String reasonCode, Connection connection) {
        countFailure(type);
        LOG.info("TLS {} for {} (policy {} {}), MX {} {}: {}", type.value(), recipientDomain, policy.type(),
            policy.domain(), connection.mx(), connection.receivingIp(), reasonCode);
        if (policy.sessionsCountAs().isPresent()) {
            // One session, one count: as the failure known before it (the policy that could not be had, ...).
            TlsFailures.Failure failure = policy.sessionsCountAs().get();
            record(policy, recipientDomain, reportDelivery, failure.type().value(), failure.reasonCode(), connection);
        } else if (policy.hasPolicy() || policy.reportSuccess()) {
            record(policy, recipientDomain, reportDelivery, type.value(), reasonCode, connection);
        }
    }

    private void countFailure(ResultType type) {
        failures.increment();
        failuresByType.computeIfAbsent(type, t -> metrics.generate(MailsecMetrics.tlsFailure(t)))
            .increment();
    }

    private void record(ReportPolicy policy, String recipientDomain, boolean reportDelivery, String resultType,
                        String reasonCode, Connection connection) {
        LocalDate day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        TlsResultKey key = new TlsResultKey(policy.domain(), day, recipientDomain, policy.isHost(), reportDelivery,
            policy.type().value(), policy.strings(), policy.mxPattern(), resultType, connection.sendingIp(),
            connection.mx(), "", connection.receivingIp(), reasonCode);
        try {
            recorder.record(key, 1);
        } catch (RuntimeException e) {
            // The recorder only refuses when it is closed (shutdown): counting must never stop a delivery.
            LOG.warn("TLS outcome for {} not recorded: {}", policy.domain(), e.getMessage());
        }
    }
}
