package org.mailsec.james;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.dns.DnssecResolver;
import org.mailsec.mtasts.MtaStsLookup;
import org.mailsec.mtasts.MtaStsPolicyFetcher;
import org.mailsec.store.Database;
import org.mailsec.store.Page;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.dmarc.CoalescingEvaluations;
import org.mailsec.store.dmarc.JdbcEvaluations;
import org.mailsec.store.dmarc.JdbcIncomingDmarcReports;
import org.mailsec.store.policy.CachedPolicy;
import org.mailsec.store.policy.JdbcPolicyCache;
import org.mailsec.store.rejected.JdbcRejectedReports;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.store.retention.Retention;
import org.mailsec.store.suppression.JdbcSuppressionList;
import org.mailsec.store.tls.CoalescingRecorder;
import org.mailsec.store.tls.JdbcTlsResultStore;
import org.mailsec.store.tls.TlsResultKey;
import org.mailsec.store.tlsreport.JdbcIncomingTlsReports;
import org.mailsec.stspolicy.MtaStsPolicies;
import org.slf4j.LoggerFactory;

/** The hourly retention and the MTA-STS refresh over a real H2 store: they do their work, or log why not. */
class MailsecJobsTest {

    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final LocalDate TODAY = LocalDate.ofInstant(NOW, ZoneOffset.UTC);

    private Database database;
    private JdbcTlsResultStore results;
    private JdbcPolicyCache policyCache;
    private JdbcRejectedReports rejected;
    private CoalescingRecorder recorder;
    private MailsecJobs jobs;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void start(@TempDir Path dir) {
        database = Database.open(StoreConfig.embedded(dir));
        results = new JdbcTlsResultStore(database);
        policyCache = new JdbcPolicyCache(database);
        rejected = new JdbcRejectedReports(database);
        recorder = new CoalescingRecorder(results);
        jobs = jobs(props("mailsec.reports.received.retention", "P30D"));
        log.start();
        ((Logger) LoggerFactory.getLogger(MailsecJobs.class)).addAppender(log);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(MailsecJobs.class)).detachAppender(log);
        jobs.stop();
        recorder.close();
        database.close();
    }

    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    /** The jobs as MailsecModule wires them, with DNS pointed at a port nothing answers on (no test looks anything up). */
    private MailsecJobs jobs(Properties properties) {
        MailsecSettings settings = MailsecSettings.from(properties);
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        Retention retention = new Retention(results, policyCache, new JdbcEvaluations(database),
            new JdbcIncomingTlsReports(database), new JdbcIncomingDmarcReports(database), rejected,
            new JdbcSuppressionList(database), settings.receivedReportRetention());
        DnssecResolver resolver = DnssecResolver.builder().server("127.0.0.1:9").timeout(Duration.ofMillis(100)).retries(0)
            .build();
        MtaStsPolicyFetcher fetcher = MtaStsPolicyFetcher.builder(resolver).clock(clock).build();
        MtaStsPolicies policies = new MtaStsPolicies(new MtaStsLookup(resolver, fetcher), fetcher, policyCache, clock,
            new MtaStsPolicies.Listener() { });
        CoalescingEvaluations evaluations = new CoalescingEvaluations(new JdbcEvaluations(database), Duration.ofSeconds(1), 1000,
            new CoalescingEvaluations.Listener() { });
        return new MailsecJobs(policies, retention, settings, new MailsecLifecycle(recorder, evaluations, database), clock);
    }

    private static TlsResultKey result(LocalDate day) {
        return new TlsResultKey("example.com", day, "example.com", false, false, "sts", List.of("mode: enforce"),
            "mx.example.com", "", "", "mx.example.com", "", "", "");
    }

    private List<String> logged(Level level) {
        return log.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void retentionRemovesTlsResultsOlderThan48HoursAndReportsPastTheConfiguredAge() {
        for (int daysAgo = 0; daysAgo <= 4; daysAgo++) {
            results.add(Map.of(result(TODAY.minusDays(daysAgo)), 1L));
        }
        rejected.add(RejectedReport.of(RejectedReport.Kind.TLS, NOW.minus(Duration.ofDays(31)), "old", "", "", "", "x"));
        rejected.add(RejectedReport.of(RejectedReport.Kind.DMARC, NOW.minus(Duration.ofDays(29)), "recent", "", "", "", "x"));
        policyCache.put(new CachedPolicy("unused.example", NOW, NOW, NOW, NOW.minus(Duration.ofDays(181)), false, "1",
            "enforce", "x"));
        policyCache.put(new CachedPolicy("used.example", NOW, NOW, NOW, NOW.minus(Duration.ofDays(1)), false, "1",
            "enforce", "x"));

        jobs.retention();

        // 48 hours before 2026-11-22T10:00Z is 2026-11-20T10:00Z: the 20th and later stay.
        assertThat(results.results("example.com", TODAY.minusDays(2))).hasSize(1);
        assertThat(results.results("example.com", TODAY.minusDays(3))).isEmpty();
        assertThat(results.results("example.com", TODAY.minusDays(4))).isEmpty();
        assertThat(rejected.list(RejectedReport.Kind.TLS, Instant.EPOCH, NOW, Page.FIRST)).isEmpty();
        assertThat(rejected.list(RejectedReport.Kind.DMARC, Instant.EPOCH, NOW, Page.FIRST))
            .extracting(RejectedReport::mailName).containsExactly("recent");
        assertThat(policyCache.all()).extracting(CachedPolicy::domain).containsExactly("used.example");
        assertThat(logged(Level.INFO)).singleElement().asString().startsWith("mailsec retention: Removed[tlsResults=2, "
            + "policies=1, evaluations=0, tlsReports=0, dmarcReports=0, rejectedReports=1");
    }

    @Test
    void retentionKeepsReportsForTheDefault180Days() {
        jobs = jobs(new Properties());
        rejected.add(RejectedReport.of(RejectedReport.Kind.TLS, NOW.minus(Duration.ofDays(179)), "kept", "", "", "", "x"));
        rejected.add(RejectedReport.of(RejectedReport.Kind.TLS, NOW.minus(Duration.ofDays(181)), "gone", "", "", "", "x"));
        jobs.retention();
        assertThat(rejected.list(RejectedReport.Kind.TLS, Instant.EPOCH, NOW, Page.FIRST))
            .extracting(RejectedReport::mailName).containsExactly("kept");
    }

    @Test
    void retentionOnAClosedStoreLogsAndDoesNotThrow() {
        database.close();
        assertThatCode(jobs::retention).doesNotThrowAnyException();
        assertThat(logged(Level.ERROR)).containsExactly("mailsec retention failed; the next one runs as scheduled");
        assertThat(log.list.get(0).getThrowableProxy()).isNotNull();
    }

    @Test
    void policyRefreshWithNothingCachedFetchesNothing() {
        jobs.refreshPolicies();
        assertThat(logged(Level.INFO)).containsExactly("MTA-STS refresh: 0 policies fetched again");
    }

    @Test
    void policyRefreshOnAClosedStoreLogsAndDoesNotThrow() {
        database.close();
        assertThatCode(jobs::refreshPolicies).doesNotThrowAnyException();
        assertThat(logged(Level.ERROR)).containsExactly("MTA-STS refresh failed; the next one runs as scheduled");
    }

    @Test
    void theJobsStartWithTheDefaultSettingsAndStop() {
        assertThatCode(jobs::start).doesNotThrowAnyException();
        assertThat(logged(Level.INFO)).containsExactly("mailsec jobs started: MTA-STS refresh every PT6H, retention hourly");
        jobs.stop();
    }

    @Test
    void theJobsStartWithTheShortestRefreshIntervalTheSettingsShouldAllow() {
        jobs = jobs(props("mailsec.mtasts.refresh.interval", "PT1S"));
        assertThatCode(jobs::start).doesNotThrowAnyException();
    }
}
