package org.mailsec.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.dmarc.OrganizationalDomains;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.io.InputLimits;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.rejected.JdbcRejectedReports;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.store.tlsreport.JdbcIncomingTlsReports;
import org.mailsec.testing.FixedDomainList;
import org.mailsec.tlsrpt.TlsReport;

/**
 * The one way in: a report posted and the same report mailed are one stored report, counted under one set of metric
 * names, and each refusal is recorded the same way whichever way it came — except a store failure, which a poster
 * retries and a mail does not.
 */
class ReportIntakeTest {

    /** Google's report about foo-bar.io, as Google sent it (shared testdata). */
    private static final Path GOOGLE = Path.of("../../shared/testdata/tlsrpt-reports/cryinc_google.json");

    private static final DomainList FOO_BAR = new FixedDomainList("foo-bar.io");

    private static LoopbackDnsServer dns;

    private Database reportsDatabase;
    private Database refusalsDatabase;
    private JdbcIncomingTlsReports reports;
    private JdbcRejectedReports refusals;
    private RecordingMetricFactory metrics;

    @BeforeAll
    static void startDns() throws Exception {
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("anchor.test", "@ A 127.0.0.1\n");
    }

    @AfterAll
    static void stopDns() {
        dns.close();
    }

    @BeforeEach
    void open(@TempDir Path dir) {
        reportsDatabase = Database.open(StoreConfig.embedded(dir.resolve("reports")));
        refusalsDatabase = Database.open(StoreConfig.embedded(dir.resolve("refusals")));
        reports = new JdbcIncomingTlsReports(reportsDatabase);
        refusals = new JdbcRejectedReports(refusalsDatabase);
        metrics = new RecordingMetricFactory();
    }

    @AfterEach
    void close() {
        reportsDatabase.close();
        refusalsDatabase.close();
    }

    private ReportIntake<TlsReport> intake(boolean onlyOurDomains) {
        return new ReportIntake<>(new TlsReportFormat(reports, InputLimits.DEFAULT),
            new ReportIntake.Rules(onlyOurDomains, false), new OurNames(FOO_BAR, java.util.Set.of()),
            new DkimAlignment(dns.resolver(), OrganizationalDomains.guava()), refusals,
            metrics, Clock.systemUTC());
    }

    /** A mail of one JSON attachment would need MIME; the post and a stored {@code .json} file read alike. */
    private static Arrival mailed(String name) {
        return new Arrival(Arrival.Channel.MAIL, name, "report.json", "google.com", "noreply@google.com", "<m@google.com>",
            "Report Domain: foo-bar.io", "noreply@google.com");
    }

    private List<RejectedReport> refused() {
        return refusals.list(RejectedReport.Kind.TLS, Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), 10);
    }

    private int count(String metric) {
        return metrics.countFor(metric);
    }

    @Test
    void aReportPostedThenMailedIsStoredOnceAndCountedUnderTheSameNames() throws Exception {
        byte[] json = Files.readAllBytes(GOOGLE);
        IntakeResult posted = intake(true).accept(json, Arrival.posted("192.0.2.7", "report.json"));
        IntakeResult mailed = intake(true).accept(json, mailed("mail-1"));

        assertThat(posted.storedIds()).hasSize(1);
        assertThat(posted.dkim()).as("nothing authenticates a post").isEmpty();
        assertThat(mailed.storedIds()).isEmpty();
        assertThat(mailed.duplicates()).isEqualTo(1);
        assertThat(mailed.dkim()).hasValueSatisfying(v -> assertThat(v.detail()).isEqualTo("no DKIM signature"));
        assertThat(reports.list(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), Optional.empty()))
            .singleElement().satisfies(r -> {
                assertThat(r.policyDomain()).isEqualTo("foo-bar.io");
                assertThat(r.unauthenticated()).isTrue();
            });
        assertThat(count("mailsec_tls_reports_received")).isEqualTo(1);
        assertThat(count("mailsec_tls_reports_duplicate")).isEqualTo(1);
        assertThat(refused()).isEmpty();
    }

    @Test
    void refusalsAreRecordedAlikeWhicheverWayTheReportCame() throws Exception {
        byte[] notOurs = Files.readString(GOOGLE).replace("foo-bar.io", "elsewhere.example").getBytes(StandardCharsets.UTF_8);
        byte[] hostile = "{\"organization-name\": [[[[[[".getBytes(StandardCharsets.UTF_8);

        IntakeResult postedNotOurs = intake(true).accept(notOurs, Arrival.posted("192.0.2.7", "report.json"));
        IntakeResult mailedHostile = intake(true).accept(hostile, mailed("mail-2"));

        assertThat(postedNotOurs.first(IntakeResult.Cause.NOT_OURS)).hasValueSatisfying(r ->
            assertThat(r.reason()).contains("is about no domain of ours (elsewhere.example)"));
        assertThat(postedNotOurs.read()).isTrue();
        assertThat(mailedHostile.read()).isFalse();
        assertThat(mailedHostile.first(IntakeResult.Cause.UNREADABLE)).isPresent();
        assertThat(refused()).extracting(RejectedReport::mailName).containsExactly("https from 192.0.2.7", "mail-2");
        assertThat(refused()).extracting(RejectedReport::mailFrom).containsExactly("", "noreply@google.com");
        assertThat(count("mailsec_tls_reports_rejected")).isEqualTo(2);
        assertThat(reports.list(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), Optional.empty())).isEmpty();
    }

    @Test
    void aStoreFailureIsAnAnswerToRetryForAPosterAndARecordedRefusalForAMail() throws Exception {
        byte[] json = Files.readAllBytes(GOOGLE);
        reportsDatabase.close();

        IntakeResult posted = intake(false).accept(json, Arrival.posted("192.0.2.7", "report.json"));
        IntakeResult mailed = intake(false).accept(json, mailed("mail-3"));

        assertThat(posted.first(IntakeResult.Cause.STORE_UNAVAILABLE)).isPresent();
        assertThat(mailed.first(IntakeResult.Cause.STORE_REFUSED)).hasValueSatisfying(r ->
            assertThat(r.reason()).startsWith("the store refused TLS report 2025-05-22T00:00:00Z_foo-bar.io from Google Inc."));
        assertThat(refused()).as("the poster retries; the mail goes on to the mailbox with the reason kept")
            .extracting(RejectedReport::mailName).containsExactly("mail-3");
        assertThat(count("mailsec_tls_reports_rejected")).isEqualTo(1);
    }
}
