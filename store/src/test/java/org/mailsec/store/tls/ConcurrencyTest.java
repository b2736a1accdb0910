package org.mailsec.store.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.testing.TestDatabases;

/** Two "nodes" (store instances with their own pools) writing the same rows at once add up exactly. */
class ConcurrencyTest {

    private static final int NODES = 2;
    private static final int THREADS = 4;
    private static final int INCREMENTS = 100_000;
    private static final int KEYS = 50;

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void fourThreadsOnTwoNodesRecordingOverlappingKeysGiveExactTotals(StoreConfig.Dialect dialect) throws Exception {
        StoreConfig config = TestDatabases.fresh(dialect);
        List<TlsResultKey> keys = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            keys.add(TlsResultStoreTest.key("d" + (i % 5) + ".example", TlsResultStoreTest.DAY, i % 2 == 0 ? "" : "validation-failure",
                "mx" + i + ".example"));
        }
        List<Database> databases = new ArrayList<>();
        List<CoalescingRecorder> recorders = new ArrayList<>();
        for (int n = 0; n < NODES; n++) {
            Database db = Database.open(config);
            databases.add(db);
            // A short flush interval makes the two nodes' flushes overlap many times.
            recorders.add(new CoalescingRecorder(new JdbcTlsResultStore(db), Duration.ofMillis(20), 10_000,
                new CoalescingRecorder.Listener() { }));
        }
        ExecutorService pool = Executors.newFixedThreadPool(NODES * THREADS);
        List<Future<Map<TlsResultKey, Long>>> futures = new ArrayList<>();
        for (int n = 0; n < NODES; n++) {
            CoalescingRecorder recorder = recorders.get(n);
            for (int t = 0; t < THREADS; t++) {
                int seed = n * THREADS + t;
                futures.add(pool.submit((Callable<Map<TlsResultKey, Long>>) () -> {
                    Map<TlsResultKey, Long> mine = new HashMap<>();
                    for (int i = 0; i < INCREMENTS; i++) {
                        TlsResultKey key = keys.get((i * 7 + seed) % KEYS);
                        recorder.record(key, 1);
                        mine.merge(key, 1L, Long::sum);
                    }
                    return mine;
                }));
            }
        }
        Map<TlsResultKey, Long> expected = new HashMap<>();
        for (Future<Map<TlsResultKey, Long>> f : futures) {
            f.get().forEach((k, v) -> expected.merge(k, v, Long::sum));
        }
        pool.shutdown();
        recorders.forEach(CoalescingRecorder::close);

        Map<TlsResultKey, Long> stored = new HashMap<>();
        TlsResultStore reader = new JdbcTlsResultStore(databases.get(0));
        for (int d = 0; d < 5; d++) {
            reader.results("d" + d + ".example", TlsResultStoreTest.DAY).forEach(r -> stored.put(r.key(), r.sessions()));
        }
        assertThat(stored.values().stream().mapToLong(Long::longValue).sum()).isEqualTo((long) NODES * THREADS * INCREMENTS);
        assertThat(stored).isEqualTo(expected);
        databases.forEach(Database::close);
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void twoNodesRacingForAThousandReportsClaimEachExactlyOnce(StoreConfig.Dialect dialect) throws Exception {
        StoreConfig config = TestDatabases.fresh(dialect);
        try (Database a = Database.open(config); Database b = Database.open(config)) {
            AtomicInteger wins = new AtomicInteger();
            Map<String, String> winner = new java.util.concurrent.ConcurrentHashMap<>();
            Instant now = Instant.now();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> futures = new ArrayList<>();
            for (Database db : List.of(a, b)) {
                ReportClaims claims = new JdbcReportClaims(db);
                String node = db == a ? "node-a" : "node-b";
                for (int half = 0; half < 2; half++) {
                    int start = half;
                    futures.add(pool.submit(() -> {
                        for (int i = start; i < 2000; i += 2) {
                            int pair = i / 2;
                            String domain = "d" + pair + ".example";
                            if (claims.claim(domain, LocalDate.of(2026, 11, 21), node, now.plusSeconds(3600), now)) {
                                wins.incrementAndGet();
                                String previous = winner.putIfAbsent(domain, node);
                                assertThat(previous == null || previous.equals(node)).as(domain).isTrue();
                            }
                        }
                    }));
                }
            }
            for (Future<?> f : futures) {
                f.get();
            }
            pool.shutdown();
            assertThat(winner).hasSize(1000);
            // A node re-claiming its own pair counts twice in wins but never changes the owner.
            assertThat(wins.get()).isGreaterThanOrEqualTo(1000);
        }
    }
}
