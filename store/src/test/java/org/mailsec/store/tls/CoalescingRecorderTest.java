package org.mailsec.store.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.StoreException;
import org.mailsec.testing.TestDatabases;

class CoalescingRecorderTest {

    private static final LocalDate DAY = TlsResultStoreTest.DAY;

    /** The real store, refusing its first {@code failures} writes as a database outage would. */
    private static final class FailingFirst implements TlsResultStore {
        private final TlsResultStore real;
        private final AtomicInteger failures;

        FailingFirst(TlsResultStore real, int failures) {
            this.real = real;
            this.failures = new AtomicInteger(failures);
        }

        @Override
        public void add(Map<TlsResultKey, Long> increments) {
            if (failures.getAndDecrement() > 0) {
                throw new StoreException("database unavailable");
            }
            real.add(increments);
        }

        @Override
        public List<TlsResultCount> results(String policyDomain, LocalDate day) {
            return real.results(policyDomain, day);
        }

        @Override
        public List<TlsResultCount> find(Filter filter, org.mailsec.store.Page page) {
            return real.find(filter, page);
        }

        @Override
        public List<String> policyDomains(LocalDate day) {
            return real.policyDomains(day);
        }

        @Override
        public List<String> hostPolicyDomains(LocalDate day) {
            return real.hostPolicyDomains(day);
        }

        @Override
        public int delete(String policyDomain, LocalDate day) {
            return real.delete(policyDomain, day);
        }

        @Override
        public int deleteBefore(LocalDate day) {
            return real.deleteBefore(day);
        }
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void aFailedFlushIsRetriedAndNothingIsLost(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            JdbcTlsResultStore real = new JdbcTlsResultStore(db);
            AtomicInteger failedFlushes = new AtomicInteger();
            CoalescingRecorder recorder = new CoalescingRecorder(new FailingFirst(real, 2), Duration.ofHours(1), 1000,
                new CoalescingRecorder.Listener() {
                    @Override
                    public void flushFailed(int keys, RuntimeException error) {
                        failedFlushes.incrementAndGet();
                    }
                });
            TlsResultKey key = TlsResultStoreTest.key("example.com", DAY, "", "mx.example.com");
            recorder.record(key, 5);
            assertThatThrownBy(recorder::flush).hasMessageContaining("database unavailable");
            recorder.record(key, 2);
            assertThatThrownBy(recorder::flush).hasMessageContaining("database unavailable");
            assertThat(recorder.pendingKeys()).isEqualTo(1);
            recorder.record(key, 1);
            recorder.close();
            assertThat(failedFlushes.get()).isEqualTo(2);
            assertThat(real.results("example.com", DAY)).singleElement().satisfies(r -> assertThat(r.sessions()).isEqualTo(8));
        }
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void aFullBufferMakesRecordersWaitForAFlushInsteadOfGrowing(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            JdbcTlsResultStore store = new JdbcTlsResultStore(db);
            AtomicInteger waits = new AtomicInteger();
            CoalescingRecorder recorder = new CoalescingRecorder(store, Duration.ofHours(1), 10, new CoalescingRecorder.Listener() {
                @Override
                public void backPressure() {
                    waits.incrementAndGet();
                }
            });
            for (int i = 0; i < 100; i++) {
                recorder.record(TlsResultStoreTest.key("example.com", DAY, "", "mx" + i + ".example.com"), 1);
                assertThat(recorder.pendingKeys()).isLessThanOrEqualTo(10);
            }
            recorder.close();
            assertThat(waits.get()).isPositive();
            assertThat(store.results("example.com", DAY)).hasSize(100);
        }
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void aPolicyWithSevenLongMxLinesIsStoredWholeAndStopsNothing(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            JdbcTlsResultStore store = new JdbcTlsResultStore(db);
            CoalescingRecorder recorder = new CoalescingRecorder(store, Duration.ofHours(1), 1000, new CoalescingRecorder.Listener() { });
            StringBuilder patterns = new StringBuilder();
            for (int i = 0; i < 7; i++) {
                patterns.append(i == 0 ? "" : " ").append("mx").append(i).append('.').append("a".repeat(60)).append(".example.com");
            }
            TlsResultKey wide = new TlsResultKey("example.com", DAY, "example.com", false, false, "sts",
                List.of("version: STSv1", "mode: enforce"), patterns.toString(), "", "", "mx1.example.com", "", "", "");
            recorder.record(wide, 3);
            recorder.record(TlsResultStoreTest.key("example.org", DAY, "", "mx.example.org"), 1);
            recorder.flush();
            assertThat(store.results("example.com", DAY)).singleElement()
                .satisfies(r -> assertThat(r.key().mxHostPattern()).isEqualTo(patterns.toString()));
            assertThat(store.results("example.org", DAY)).hasSize(1);
            assertThat(recorder.pendingKeys()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void aCounterTheStoreRefusesIsSetAsideAndTheOthersAreStored(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            JdbcTlsResultStore store = new JdbcTlsResultStore(db);
            List<TlsResultKey> quarantined = new java.util.concurrent.CopyOnWriteArrayList<>();
            CoalescingRecorder recorder = new CoalescingRecorder(store, Duration.ofHours(1), 1000, new CoalescingRecorder.Listener() {
                @Override
                public void quarantined(TlsResultKey key, RuntimeException error) {
                    quarantined.add(key);
                }
            });
            TlsResultKey full = TlsResultStoreTest.key("example.com", DAY, "", "mx.example.com");
            recorder.record(full, Long.MAX_VALUE);
            recorder.flush();
            // The counter is full: adding to it overflows BIGINT, a data error of that row alone.
            recorder.record(full, 10);
            TlsResultKey other = TlsResultStoreTest.key("example.com", DAY, "certificate-expired", "mx.example.com");
            recorder.record(other, 2);
            recorder.flush();
            assertThat(quarantined).containsExactly(full);
            assertThat(recorder.pendingKeys()).isZero();
            assertThat(store.results("example.com", DAY)).anySatisfy(r -> {
                assertThat(r.key()).isEqualTo(other);
                assertThat(r.sessions()).isEqualTo(2);
            });
            recorder.close();
        }
    }

    @org.junit.jupiter.api.Test
    void everyFieldOfAKeyFitsItsColumnAndLongValuesStayDistinct() {
        String longHost = "h".repeat(300) + ".example.com";
        TlsResultKey a = new TlsResultKey("d\0.example.com", DAY, longHost + "a", false, false, "sts", List.of("x".repeat(100_000)),
            "", "", "", longHost + "a", "", "", "");
        TlsResultKey b = new TlsResultKey("d.example.com", DAY, longHost + "b", false, false, "sts", List.of(), "", "", "",
            longHost + "b", "", "", "");
        assertThat(a.policyDomain()).isEqualTo("d.example.com");
        assertThat(a.receivingMxHostname()).hasSize(255).isNotEqualTo(b.receivingMxHostname());
        assertThat(a.recipientDomain()).hasSize(255);
        assertThat(String.join("", a.policyStrings()).length()).isLessThan(65535 / 6);
    }
}
