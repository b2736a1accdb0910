package org.mailsec.reporting;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a run of outgoing reports of any kind does besides building them: policy domains in stages (a stage's
 * reports may depend on the stages before it), each stage on the calling thread or on several workers, a pause
 * after each report sent so a scheduled run spreads its sends, and the run's counts. Claiming a (policy domain,
 * period) and marking it sent is the sending step's, as what is claimed differs by kind.
 */
public final class ReportRun {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReportRun.class);

    /** Pauses between reports, so a run spreads its sends (the job waits; operator-triggered runs do not). */
    @FunctionalInterface
    public interface Pacer {
        void pause(int sent, int total) throws InterruptedException;

        Pacer NONE = (sent, total) -> { };

        /**
         * Spreads a run's reports evenly over at most {@code spread}, never more than {@code maxPause} apart (TLS
         * reports: 4 h and 5 min; RFC 8460 §5.1 asks senders not to send all at once at midnight).
         */
        static Pacer spreading(Duration spread, Duration maxPause) {
            return (sent, total) -> {
                Duration pause = total <= 1 ? Duration.ZERO : spread.dividedBy(total);
                Thread.sleep((pause.compareTo(maxPause) > 0 ? maxPause : pause).toMillis());
            };
        }
    }

    /** Sends one policy domain's report; true when something went out. */
    @FunctionalInterface
    public interface Step {
        boolean send(String policyDomain) throws InterruptedException;
    }

    /** The counts of a run; workers update them concurrently. */
    public static final class Tally {
        final AtomicInteger mailed = new AtomicInteger();
        final AtomicInteger posted = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger suppressed = new AtomicInteger();
        final AtomicInteger skipped = new AtomicInteger();

        public void skipped() {
            skipped.incrementAndGet();
        }

        public int mailed() {
            return mailed.get();
        }

        public int posted() {
            return posted.get();
        }

        public int failed() {
            return failed.get();
        }

        public int suppressed() {
            return suppressed.get();
        }

        public int skippedCount() {
            return skipped.get();
        }
    }

    private ReportRun() {
    }

    /** Runs {@code step} over every stage's policy domains in order, pausing after each report sent. */
    public static void run(List<List<String>> stages, int workers, Pacer pacer, Step step) throws InterruptedException {
        int total = stages.stream().mapToInt(List::size).sum();
        AtomicInteger sent = new AtomicInteger();
        for (List<String> stage : stages) {
            forEach(stage, workers, domain -> {
                boolean wasSent;
                try {
                    wasSent = step.send(domain);
                } catch (RuntimeException e) {
                    // One domain's failure (a store outage, a report that cannot be built) is not the others'.
                    LOG.warn("report for {} not sent", domain, e);
                    return false;
                }
                if (wasSent) {
                    pacer.pause(sent.incrementAndGet(), total);
                }
                return false;
            });
        }
    }

    /** Runs {@code step} for each domain, on the calling thread or on {@code workers} threads. */
    private static void forEach(List<String> domains, int workers, Step step) throws InterruptedException {
        if (workers <= 1) {
            for (String domain : domains) {
                step.send(domain);
            }
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            AtomicInteger next = new AtomicInteger();
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                running.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < domains.size(); i = next.getAndIncrement()) {
                        step.send(domains.get(i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("report worker failed", e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
