package org.mailsec.james;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.mtasts.PolicyFetch;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.tls.CoalescingRecorder;
import org.mailsec.store.tls.JdbcTlsResultStore;
import org.mailsec.store.tls.TlsResultKey;

/** What the recorder and the MTA-STS policies report through James's MetricFactory. */
class MetricsBridgeTest {

    private static final LocalDate DAY = LocalDate.of(2026, 11, 22);

    private final RecordingMetricFactory metrics = new RecordingMetricFactory();
    private Database database;
    private JdbcTlsResultStore store;

    @BeforeEach
    void open(@TempDir Path dir) {
        database = Database.open(StoreConfig.embedded(dir));
        store = new JdbcTlsResultStore(database);
    }

    @AfterEach
    void close() {
        database.close();
    }

    /** A recorder that flushes only when told (or when back-pressure asks), reporting to {@link #metrics}. */
    private CoalescingRecorder recorder(int maxPendingKeys) {
        return new CoalescingRecorder(store, Duration.ofHours(1), maxPendingKeys, new MetricsBridge.Recorder(metrics));
    }

    private static TlsResultKey key(String resultType) {
        return new TlsResultKey("example.com", DAY, "example.com", false, false, "sts", List.of("mode: enforce"),
            "mx.example.com", resultType, "", "mx.example.com", "", "", "");
    }

    @Test
    void storedSessionsAreCounted() {
        CoalescingRecorder recorder = recorder(1000);
        recorder.record(key(""), 3);
        recorder.record(key(""), 2);
        recorder.record(key("certificate-expired"), 4);
        recorder.flush();
        assertThat(metrics.countFor(MailsecMetrics.RECORDER_FLUSHED_SESSIONS)).isEqualTo(9);
        assertThat(metrics.countFor(MailsecMetrics.RECORDER_FLUSH_FAILURES)).isZero();
        recorder.close();
    }

    @Test
    void moreSessionsThanAnIntHoldAreCountedAsIntegerMax() {
        CoalescingRecorder recorder = recorder(1000);
        recorder.record(key(""), Integer.MAX_VALUE + 10L);
        recorder.flush();
        assertThat(metrics.countFor(MailsecMetrics.RECORDER_FLUSHED_SESSIONS)).isEqualTo(Integer.MAX_VALUE);
        recorder.close();
    }

    @Test
    void aFlushTheStoreCannotTakeIsCountedAsAFailure() {
        CoalescingRecorder recorder = recorder(1000);
        recorder.record(key(""), 1);
        database.close();
        assertThatThrownBy(recorder::flush).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(recorder::flush).isInstanceOf(RuntimeException.class);
        assertThat(metrics.countFor(MailsecMetrics.RECORDER_FLUSH_FAILURES)).isEqualTo(2);
        assertThat(metrics.countFor(MailsecMetrics.RECORDER_FLUSHED_SESSIONS)).isZero();
    }

    @Test
    void aCounterTheStoreRefusesIsCountedAsQuarantined() {
        CoalescingRecorder recorder = recorder(1000);
        recorder.record(key(""), Long.MAX_VALUE);
        recorder.flush();
        // The stored counter is full: adding to it overflows BIGINT, a data error of that row alone.
        recorder.record(key(""), 1);
        recorder.record(key("certificate-expired"), 1);
        recorder.flush();
        assertThat(metrics.countFor(MailsecMetrics.RECORDER_QUARANTINED_KEYS)).isEqualTo(1);
        assertThat(metrics.countFor(MailsecMetrics.RECORDER_FLUSH_FAILURES)).isZero();
        recorder.close();
    }

    @Test
    void waitingForAFlushIsCountedAsBackPressure() {
        CoalescingRecorder recorder = recorder(1);
        recorder.record(key(""), 1);
        recorder.record(key("certificate-expired"), 1);
        assertThat(metrics.countFor(MailsecMetrics.RECORDER_BACK_PRESSURE)).isPositive();
        recorder.close();
        assertThat(store.results("example.com", DAY)).hasSize(2);
    }

    @Test
    void policyFetchesAreCountedByOutcome() {
        MetricsBridge.Policies policies = new MetricsBridge.Policies(metrics);
        Instant now = Instant.parse("2026-11-22T10:00:00Z");
        policies.fetched("a.example", new PolicyFetch(PolicyFetch.Outcome.FETCH_ERROR, Optional.empty(), "", "timeout", now));
        policies.fetched("b.example", new PolicyFetch(PolicyFetch.Outcome.FETCH_ERROR, Optional.empty(), "", "http-status-500", now));
        policies.fetched("c.example", new PolicyFetch(PolicyFetch.Outcome.NO_POLICY, Optional.empty(), "", "http-status-404", now));
        assertThat(metrics.countFor("mailsec_mtasts_fetch_fetch_error")).isEqualTo(2);
        assertThat(metrics.countFor("mailsec_mtasts_fetch_no_policy")).isEqualTo(1);
        assertThat(metrics.countFor(MailsecMetrics.mtaStsFetch("POLICY"))).isZero();
    }

    @Test
    void policyCacheErrorsAreCounted() {
        new MetricsBridge.Policies(metrics).cacheError("a.example", new IllegalStateException("store down"));
        assertThat(metrics.countFor(MailsecMetrics.MTASTS_CACHE_ERRORS)).isEqualTo(1);
    }
}
