package org.mailsec.james;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.annotation.PreDestroy;
import javax.inject.Inject;
import org.apache.james.utils.UserDefinedStartable;
import org.mailsec.reporting.DmarcReportRun;
import org.mailsec.reporting.ReportRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hourly DMARC aggregate report run ({@code guice.extension.startable}): 30–90 s after each whole UTC hour it sends
 * the reports of the periods ending at that hour (each domain's interval, RFC 7489 §7.2), spread over at most 45
 * minutes with at most 5 minutes between two reports, so the next hour's run finds this one done. Jitter keeps the
 * nodes of a cluster, and receivers everywhere, from all sending at the same second. Stops with James.
 */
public class DmarcReportJob implements UserDefinedStartable {

    static final Duration SPREAD = Duration.ofMinutes(45);
    static final Duration MAX_PAUSE = Duration.ofMinutes(5);
    private static final Logger LOG = LoggerFactory.getLogger(DmarcReportJob.class);

    private final DmarcReportRun run;
    private final MailsecSettings settings;
    private final Clock clock;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mailsec-dmarc-reports");
        t.setDaemon(true);
        return t;
    });

    @Inject
    public DmarcReportJob(DmarcReportRun run, MailsecSettings settings, Clock clock) {
        this.run = run;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public void start() {
        if (!settings.dmarcReports().enabled()) {
            LOG.info("mailsec DMARC aggregate reports are disabled (mailsec.dmarc.reports.enabled=false)");
            return;
        }
        scheduleNext();
    }

    private void scheduleNext() {
        Instant now = clock.instant();
        Instant hour = now.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        Instant at = hour.plusSeconds(30 + ThreadLocalRandom.current().nextInt(61));
        scheduler.schedule(() -> runFor(hour), Duration.between(now, at).toMillis(), TimeUnit.MILLISECONDS);
        LOG.debug("next DMARC report run at {}", at);
    }

    private void runFor(Instant periodEnd) {
        try {
            run.run(periodEnd, ReportRun.Pacer.spreading(SPREAD, MAX_PAUSE), 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Throwable e) {
            // Even an Error: the next hour must still run; what was not sent goes into the domains' next reports.
            LOG.error("DMARC report run for {} failed", periodEnd, e);
        }
        scheduleNext();
    }

    @PreDestroy
    public void stop() {
        scheduler.shutdownNow();
    }
}
