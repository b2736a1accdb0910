package org.mailsec.james;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.annotation.PreDestroy;
import javax.inject.Inject;
import org.apache.james.utils.UserDefinedStartable;
import org.mailsec.reporting.ReportRun;
import org.mailsec.reporting.TlsReportRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daily TLS report run ({@code guice.extension.startable}): just after 00:00 UTC (plus 240–360 s of
 * jitter) it sends the reports of the day before and of the day before that if any were left, pausing
 * between reports so a run spreads over at most {@code mailsec.reports.spread} (4 h) with pauses of at most
 * {@code mailsec.reports.max.pause} (5 min). Stops with James.
 */
public class TlsReportJob implements UserDefinedStartable {

    private static final Logger LOG = LoggerFactory.getLogger(TlsReportJob.class);

    private final TlsReportRun run;
    private final MailsecSettings settings;
    private final Clock clock;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mailsec-tls-reports");
        t.setDaemon(true);
        return t;
    });

    @Inject
    public TlsReportJob(TlsReportRun run, MailsecSettings settings, Clock clock) {
        this.run = run;
        this.clock = clock;
        this.settings = settings;
    }

    @Override
    public void start() {
        if (!settings.reports().enabled()) {
            LOG.info("mailsec TLS reports are disabled (mailsec.reports.enabled=false)");
            return;
        }
        scheduleNext();
    }

    private void scheduleNext() {
        Instant now = clock.instant();
        Instant midnight = LocalDate.ofInstant(now, ZoneOffset.UTC).plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant at = midnight.plusSeconds(240 + ThreadLocalRandom.current().nextInt(121));
        scheduler.schedule(this::runDaily, Duration.between(now, at).toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("next TLS report run at {}", at);
    }

    private void runDaily() {
        try {
            LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
            // Results are kept 48 hours: the day before yesterday can still hold reports a failed run left.
            for (LocalDate day : new LocalDate[] {today.minusDays(2), today.minusDays(1)}) {
                run.run(day, ReportRun.Pacer.spreading(settings.reports().spread(), settings.reports().maxPause()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Throwable e) {
            // Even an Error: the next day's run must still be scheduled.
            LOG.error("TLS report run failed; unsent reports are retried tomorrow", e);
        }
        scheduleNext();
    }

    @PreDestroy
    public void stop() {
        scheduler.shutdownNow();
    }
}
