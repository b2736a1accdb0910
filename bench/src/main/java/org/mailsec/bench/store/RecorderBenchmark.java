package org.mailsec.bench.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.tls.CoalescingRecorder;
import org.mailsec.store.tls.JdbcTlsResultStore;
import org.mailsec.store.tls.TlsResultKey;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What recording a TLS outcome costs a delivery thread, with the recorder flushing to a real database
 * every second meanwhile: throughput (outcomes/s, 4 delivery threads) and the per-call latency
 * distribution (sample mode gives p50/p99/p99.9). Keys are spread like a busy day: 2,000 policy domains
 * times a few outcome kinds. At the end of each trial the stored total is checked against what was recorded.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 5)
@Fork(1)
@Threads(4)
public class RecorderBenchmark {

    @Param({"H2", "POSTGRESQL"})
    public String database;

    private EmbeddedPostgres postgres;
    private Database db;
    private CoalescingRecorder recorder;
    private final List<TlsResultKey> keys = new ArrayList<>();
    private final AtomicLong recorded = new AtomicLong();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        StoreConfig config;
        if (database.equals("H2")) {
            config = StoreConfig.embedded(Files.createTempDirectory("mailsec-bench-h2"));
        } else {
            postgres = EmbeddedPostgres.builder().start();
            config = new StoreConfig(postgres.getJdbcUrl("postgres", "postgres"), "postgres", "postgres", 10);
        }
        db = Database.open(config);
        recorder = new CoalescingRecorder(new JdbcTlsResultStore(db), Duration.ofSeconds(1), 200_000, new CoalescingRecorder.Listener() { });
        String[] types = {"", "", "", "starttls-not-supported", "certificate-expired", "validation-failure"};
        for (int d = 0; d < 2000; d++) {
            for (String type : types) {
                keys.add(new TlsResultKey("d" + d + ".example", LocalDate.of(2026, 11, 21), "d" + d + ".example", false, false,
                    "sts", List.of("version: STSv1", "mode: enforce", "mx: mx.d" + d + ".example", "max_age: 604800"),
                    "mx.d" + d + ".example", type, "192.0.2.1", "mx.d" + d + ".example", "", "198.51.100.1",
                    type.isEmpty() ? "" : "reason"));
            }
        }
    }

    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Benchmark
    @BenchmarkMode({Mode.Throughput, Mode.SampleTime})
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void record(Cursor cursor) {
        cursor.next = (cursor.next + 7919) % keys.size();
        recorder.record(keys.get(cursor.next), 1);
        recorded.incrementAndGet();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        recorder.close();
        long stored = 0;
        JdbcTlsResultStore store = new JdbcTlsResultStore(db);
        for (int d = 0; d < 2000; d++) {
            stored += store.results("d" + d + ".example", LocalDate.of(2026, 11, 21)).stream().mapToLong(r -> r.sessions()).sum();
        }
        System.out.printf("%n%s: recorded %d outcomes, stored %d%n", database, recorded.get(), stored);
        if (stored != recorded.get()) {
            throw new IllegalStateException("lost outcomes: recorded " + recorded.get() + ", stored " + stored);
        }
        db.close();
        if (postgres != null) {
            postgres.close();
        }
    }
}
