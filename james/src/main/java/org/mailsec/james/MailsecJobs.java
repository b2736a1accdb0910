package org.mailsec.james;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.annotation.PreDestroy;
import javax.inject.Inject;
import org.apache.james.utils.UserDefinedStartable;
import org.mailsec.store.retention.Retention;
import org.mailsec.stspolicy.MtaStsPolicies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * mailsec's background jobs ({@code guice.extension.startable}): the proactive MTA-STS policy refresh
 * (RFC 8461 §10.2) and the store's retention (TLS results 48 hours, unused policies 180 days, DMARC evaluations
 * 7 days, received reports {@code mailsec.reports.received.retention}, 180 days). It also makes
 * James open mailsec's store at startup, so a wrong store setting stops the server at once.
 */
public class MailsecJobs implements UserDefinedStartable {

    private static final Logger LOG = LoggerFactory.getLogger(MailsecJobs.class);

    private final MtaStsPolicies policies;
    private final Retention retention;
    private final MailsecSettings settings;
    private final java.time.Clock clock;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mailsec-jobs");
        t.setDaemon(true);
        return t;
    });

    @Inject
    public MailsecJobs(MtaStsPolicies policies, Retention retention, MailsecSettings settings,
                       MailsecLifecycle lifecycle, java.time.Clock clock) {
        this.clock = clock;
        this.retention = retention;
        this.policies = policies;
        this.settings = settings;
    }

    @Override
    public void start() {
        long refresh = settings.mtaStsRefreshInterval().toSeconds();
        // Jitter, so several nodes sharing a store do not refresh in step.
        long firstRefresh = refresh / 2 + ThreadLocalRandom.current().nextLong(Math.max(1, refresh / 2));
        scheduler.scheduleWithFixedDelay(this::refreshPolicies, firstRefresh, refresh, TimeUnit.SECONDS);
        scheduler.scheduleWithFixedDelay(this::retention, 60, Duration.ofHours(1).toSeconds(), TimeUnit.SECONDS);
        LOG.info("mailsec jobs started: MTA-STS refresh every {}, retention hourly", settings.mtaStsRefreshInterval());
    }

    void refreshPolicies() {
        try {
            int n = policies.refreshAll();
            LOG.info("MTA-STS refresh: {} policies fetched again", n);
        } catch (Throwable e) {
            // Anything escaping a scheduled task would cancel every later run without a word.
            LOG.error("MTA-STS refresh failed; the next one runs as scheduled", e);
        }
    }

    void retention() {
        try {
            Retention.Removed removed = retention.run(clock.instant());
            LOG.info("mailsec retention: {}", removed);
        } catch (Throwable e) {
            LOG.error("mailsec retention failed; the next one runs as scheduled", e);
        }
    }

    @PreDestroy
    public void stop() {
        scheduler.shutdownNow();
    }
}
