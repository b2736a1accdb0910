package org.mailsec.bench.reports;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.mailsec.reporting.ReportSettings;
import org.mailsec.reporting.TlsReportRun;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.suppression.JdbcSuppressionList;
import org.mailsec.store.tls.JdbcReportClaims;
import org.mailsec.store.tls.JdbcTlsResultStore;
import org.mailsec.store.tls.TlsResultKey;
import org.mailsec.tlsrpt.TlsRptLookup;

/**
 * One day's reports for many policy domains: counted results in the embedded H2 store are claimed, built into
 * RFC 8460 reports, gzip'ed, DKIM-signed (RSA-2048) and handed to the mail pipeline, which is stubbed: the
 * mails are counted and dropped at the queue boundary, and the TLSRPT records come from memory (DNS latency is
 * not what this measures). Prints wall time and the peak heap.
 * {@code java -Xmx512m -cp bench/target/mailsec-bench.jar org.mailsec.bench.reports.TlsReportRunBenchmark [domains] [workers] [dkim]}
 */
public final class TlsReportRunBenchmark {

    private static final LocalDate DAY = LocalDate.of(2026, 11, 21);

    public static void main(String[] args) throws Exception {
        int domains = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int workers = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        boolean dkim = args.length <= 2 || Boolean.parseBoolean(args[2]);
        Path dir = Files.createTempDirectory("mailsec-report-bench");
        try (Database database = Database.open(StoreConfig.embedded(dir))) {
            JdbcTlsResultStore results = new JdbcTlsResultStore(database);
            long loadStart = System.nanoTime();
            Map<TlsResultKey, Long> batch = new HashMap<>();
            for (int i = 0; i < domains; i++) {
                String domain = "d" + i + ".bench.test";
                batch.put(key(domain, "certificate-expired"), 1L + i % 7);
                batch.put(key(domain, ""), 100L + i % 50);
                if (batch.size() >= 500) {
                    results.add(batch);
                    batch.clear();
                }
            }
            results.add(batch);
            System.out.printf("stored the results of %,d policy domains in %.1f s%n", domains,
                (System.nanoTime() - loadStart) / 1e9);

            Optional<ReportSettings.DkimKey> key = ReportBenchParts.signingKey(dkim, "sender.test", "tlsrpt");
            ReportSettings settings = new ReportSettings("Sender Org", "sender.test", "tlsrpt@sender.test",
                "postmaster@sender.test", "transport", false, key, Duration.ofSeconds(5));
            ReportBenchParts.QueueBoundary queue = new ReportBenchParts.QueueBoundary();
            TlsReportRun run = new TlsReportRun(results, new JdbcReportClaims(database), new JdbcSuppressionList(database),
                new TlsRptLookup(ReportBenchParts.txtFromMemory(name -> "v=TLSRPTv1; rua=mailto:tlsrpt@" + name.substring("_smtp._tls.".length()))), queue.context(), settings,
                new org.mailsec.net.HttpsClient(ReportBenchParts.txtFromMemory(name -> "v=TLSRPTv1; rua=mailto:tlsrpt@" + name.substring("_smtp._tls.".length())), org.mailsec.net.AddressPolicy.publicOnly(),
                    SSLContext.getDefault(), Duration.ofSeconds(5), "bench"),
                new RecordingMetricFactory(), Clock.systemUTC(), "bench");

            System.gc();
            ReportBenchParts.resetPeaks();
            ReportBenchParts.watchCollections();
            long start = System.nanoTime();
            TlsReportRun.Summary summary = run.runNow(DAY, workers);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%,d reports (%s, %d workers, DKIM %s) in %.1f s: %.0f reports/s, %,d bytes handed over;"
                    + " peak heap %.0f MB, most left live by a collection %.0f MB (max %.0f MB)%n", summary.mailed(), summary, workers, dkim ? "on" : "off", seconds,
                summary.mailed() / seconds, queue.bytes.get(), ReportBenchParts.peakHeap() / 1e6, ReportBenchParts.peakLiveHeap() / 1e6,
                Runtime.getRuntime().maxMemory() / 1e6);
        } finally {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static TlsResultKey key(String domain, String result) {
        return new TlsResultKey(domain, DAY, domain, false, false, "sts",
            List.of("version: STSv1", "mode: enforce", "mx: mx." + domain, "max_age: 86400"), "mx." + domain, result,
            "192.0.2.1", "mx." + domain, "", "198.51.100.7", result.isEmpty() ? "" : "expired");
    }
}
