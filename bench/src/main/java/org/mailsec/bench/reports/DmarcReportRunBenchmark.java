package org.mailsec.bench.reports;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.reporting.DmarcReportRun;
import org.mailsec.reporting.ReportRun;
import org.mailsec.reporting.ReportSettings;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.dmarc.Evaluation;
import org.mailsec.store.dmarc.JdbcDmarcReportClaims;
import org.mailsec.store.dmarc.JdbcEvaluations;
import org.mailsec.store.suppression.JdbcSuppressionList;

/**
 * One period's DMARC aggregate reports for many policy domains: stored evaluations in the embedded H2 store are
 * claimed, merged into RFC 9990 reports, gzip'ed, DKIM-signed (RSA-2048) and handed to the mail pipeline, which is
 * stubbed (mails counted and dropped at the queue boundary); the DMARC records come from memory (DNS latency is not
 * what this measures). Prints wall time and the peak heap.
 * {@code java -Xmx512m -cp bench/target/mailsec-bench.jar org.mailsec.bench.reports.DmarcReportRunBenchmark [domains] [evaluations per domain] [workers] [dkim]}
 */
public final class DmarcReportRunBenchmark {

    private static final Instant END = Instant.parse("2026-12-04T00:00:00Z");

    public static void main(String[] args) throws Exception {
        int domains = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int perDomain = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int workers = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        boolean dkim = args.length <= 3 || Boolean.parseBoolean(args[3]);
        Path dir = Files.createTempDirectory("mailsec-dmarc-report-bench");
        try (Database database = Database.open(StoreConfig.embedded(dir))) {
            JdbcEvaluations evaluations = new JdbcEvaluations(database);
            long loadStart = System.nanoTime();
            List<Evaluation> batch = new ArrayList<>();
            for (int d = 0; d < domains; d++) {
                String domain = "d" + d + ".bench.test";
                for (int e = 0; e < perDomain; e++) {
                    batch.add(evaluation(domain, e));
                }
                if (batch.size() >= 5_000) {
                    evaluations.addAll(batch);
                    batch.clear();
                }
            }
            evaluations.addAll(batch);
            System.out.printf("stored %,d evaluations of %,d policy domains in %.1f s%n", (long) domains * perDomain, domains,
                (System.nanoTime() - loadStart) / 1e9);

            Optional<ReportSettings.DkimKey> key = ReportBenchParts.signingKey(dkim, "receiver.test", "dmarc");
            ReportSettings settings = new ReportSettings("Receiver Org", "receiver.test", "dmarc-noreply@receiver.test",
                "postmaster@receiver.test", "transport", false, key, Duration.ofSeconds(5));
            ReportBenchParts.QueueBoundary queue = new ReportBenchParts.QueueBoundary();
            DmarcReportRun run = new DmarcReportRun(evaluations, new JdbcDmarcReportClaims(database),
                new JdbcSuppressionList(database), ReportBenchParts.txtFromMemory(name -> "v=DMARC1; p=reject; rua=mailto:dmarc@" + name.substring("_dmarc.".length())), queue.context(), settings, false, "mailsec bench",
                new RecordingMetricFactory(), Clock.fixed(END.plusSeconds(60), java.time.ZoneOffset.UTC), "bench");

            System.gc();
            ReportBenchParts.resetPeaks();
            ReportBenchParts.watchCollections();
            long start = System.nanoTime();
            DmarcReportRun.Summary summary = run.run(END, ReportRun.Pacer.NONE, workers);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%,d reports (%s, %d workers, DKIM %s) in %.1f s: %.0f reports/s, %,d bytes handed over;"
                    + " peak heap %.0f MB (max %.0f MB); evaluations left %d%n", summary.mailed(), summary, workers,
                dkim ? "on" : "off", seconds, summary.mailed() / seconds, queue.bytes.get(), ReportBenchParts.peakHeap() / 1e6, ReportBenchParts.peakLiveHeap() / 1e6,
                Runtime.getRuntime().maxMemory() / 1e6, evaluations.pending(END.plusSeconds(1)).size());
        } finally {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** A day's typical evaluations: mostly passes from two sources, some forwarded failures. */
    private static Evaluation evaluation(String domain, int i) {
        boolean pass = i % 5 != 4;
        return new Evaluation(0, domain, END.minusSeconds(3600L * (1 + i % 20)), 24, List.of("mailto:dmarc@" + domain),
            new AggregateReport.PolicyPublished(domain, "r", "r", "reject", null, "reject", null, "0", "n", "psl"), false,
            pass ? "192.0.2." + (1 + i % 2) : "198.51.100.7", pass ? "pass" : "reject", pass, pass, List.of(), "receiver.test",
            pass ? domain : "forwarder.example", domain,
            List.of(new AggregateReport.DkimAuth(pass ? domain : "forwarder.example", "s1", pass ? "pass" : "fail", null)),
            List.of(new AggregateReport.SpfAuth(pass ? domain : "forwarder.example", "mfrom", pass ? "pass" : "fail")));
    }
}
