package org.mailsec.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLContext;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.mailet.base.test.FakeMailContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.testing.TestDatabases;
import org.mailsec.store.suppression.JdbcSuppressionList;
import org.mailsec.store.suppression.Suppression;
import org.mailsec.store.tls.JdbcReportClaims;
import org.mailsec.store.tls.JdbcTlsResultStore;
import org.mailsec.store.tls.TlsResultKey;
import org.mailsec.testing.MovableClock;
import org.mailsec.testing.TestPki;
import org.mailsec.testing.PolicyHttpsServer;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportReader;
import org.mailsec.tlsrpt.TlsRptLookup;

/**
 * One day's TLS report run against a real DNS server, a real HTTPS endpoint and each real database: what is
 * sent, to whom, once — also with two nodes racing and a node that died holding a claim.
 */
class TlsReportRunTest {

    private static final LocalDate DAY = LocalDate.of(2026, 11, 21);


    private LoopbackDnsServer dns;
    private PolicyHttpsServer https;
    private SSLContext trust;
    private Database database;
    private JdbcTlsResultStore results;
    private final MovableClock clock = new MovableClock(Instant.parse("2026-11-22T00:05:00Z"));

    private void start(StoreConfig.Dialect dialect) throws Exception {
        TestPki.Identity root = TestPki.rootCa("report test root");
        https = new PolicyHttpsServer(root.issueServer("tlsrpt.d.test").serverContext());
        trust = TestPki.trusting(root.certificate());
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("anchor.test", "@ A 127.0.0.1\n");
        dns.addZone("a.test", "_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:rua@a.test\"\n");
        dns.addZone("b.test", "_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:rua@b.test\"\n");
        dns.addZone("d.test", """
            _smtp._tls TXT "v=TLSRPTv1; rua=mailto:rua@d.test"
            _smtp._tls.mx TXT "v=TLSRPTv1; rua=mailto:rua@d.test"
            _smtp._tls.mx2 TXT "v=TLSRPTv1; rua=https://tlsrpt.d.test:%d/tlsrpt"
            tlsrpt A 127.0.0.1
            """.formatted(https.port()));
        dns.addZone("e.test", "_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:rua@e.test\"\n");
        dns.addZone("f.test", """
            _smtp._tls TXT "v=TLSRPTv1; rua=mailto:rua@f.test"
            _smtp._tls.mx TXT "v=TLSRPTv1; rua=mailto:rua@f.test"
            """);
        dns.addZone("g.test", "_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:rua@g.test\"\n");
        dns.addZone("h.test", "@ MX 10 g.test.\n");
        database = Database.open(TestDatabases.fresh(dialect));
        results = new JdbcTlsResultStore(database);
    }

    @AfterEach
    void stop() {
        if (database != null) {
            database.close();
        }
        if (dns != null) {
            dns.close();
        }
        if (https != null) {
            https.close();
        }
    }

    private TlsReportRun run(FakeMailContext context, String node) {
        return run(context, node, org.mailsec.net.AddressPolicy.allowing(List.of("127.0.0.0/8")));
    }

    private TlsReportRun run(FakeMailContext context, String node, org.mailsec.net.AddressPolicy net) {
        ReportSettings settings = new ReportSettings("Sender Org", "sender.test", "tlsrpt@sender.test",
            "postmaster@sender.test", "transport", false, Optional.empty(), Duration.ofSeconds(5),
            List.of(Duration.ofMillis(50), Duration.ofMillis(50)));
        return new TlsReportRun(results, new JdbcReportClaims(database), new JdbcSuppressionList(database),
            new TlsRptLookup(dns.resolver()), context, settings,
            new org.mailsec.net.HttpsClient(dns.resolver(), net, trust, Duration.ofSeconds(5), "test"),
            new RecordingMetricFactory(), clock, node);
    }

    private static TlsResultKey key(String policyDomain, String recipient, boolean isHost, boolean reportDelivery,
                                    String resultType, String mx) {
        return new TlsResultKey(policyDomain, DAY, recipient, isHost, reportDelivery, isHost ? "tlsa" : "sts",
            List.of(isHost ? "3 1 1 AB" : "version: STSv1"), isHost ? "" : mx, resultType, "192.0.2.1", mx, "",
            "198.51.100.1", resultType.isEmpty() ? "" : "expired");
    }

    private void count(TlsResultKey key, long sessions) {
        results.add(Map.of(key, sessions));
    }

    private static List<TlsReport> reports(FakeMailContext context, String rcpt) throws Exception {
        List<TlsReport> out = new ArrayList<>();
        for (FakeMailContext.SentMail sent : context.getSentMails()) {
            if (sent.getRecipients().stream().anyMatch(r -> r.asString().equals(rcpt))) {
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                sent.getMsg().writeTo(raw);
                out.addAll(new TlsReportReader().read(raw.toByteArray(), "report.eml"));
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void failuresAreReportedOnceSuccessOnlyDaysAndReportDeliveriesAreNot(StoreConfig.Dialect dialect) throws Exception {
        start(dialect);
        count(key("a.test", "a.test", false, false, "certificate-expired", "mx.a.test"), 4);
        count(key("a.test", "a.test", false, false, "", "mx.a.test"), 10);
        count(key("a.test", "a.test", false, true, "starttls-not-supported", "mx.a.test"), 7);
        count(key("b.test", "b.test", false, false, "", "mx.b.test"), 3);
        FakeMailContext context = FakeMailContext.defaultContext();

        TlsReportRun.Summary first = run(context, "node-1").run(DAY, ReportRun.Pacer.NONE);
        assertThat(first.mailed()).isEqualTo(1);
        TlsReport report = reports(context, "rua@a.test").get(0);
        assertThat(report.totalSuccess()).isEqualTo(10);
        assertThat(report.totalFailure()).as("report deliveries are left out").isEqualTo(4);
        assertThat(report.reportId()).isEqualTo("2026-11-21_a.test@sender.test");
        assertThat(report.start()).isEqualTo(Instant.parse("2026-11-21T00:00:00Z"));
        FakeMailContext.SentMail sent = context.getSentMails().get(0);
        assertThat(sent.getState()).isEqualTo("transport");
        assertThat(sent.getAttributes()).containsKey(org.mailsec.mail.MailsecAttributes.OWN_REPORT);
        assertThat(sent.getMsg().getHeader("TLS-Report-Domain")).containsExactly("a.test");
        assertThat(sent.getMsg().getHeader("TLS-Required")).containsExactly("No");
        assertThat(new JdbcSuppressionList(database).wasSent(sent.getMsg().getMessageID(), "rua@a.test",
            clock.instant().minus(Duration.ofMinutes(1)))).as("remembered, so that its bounce may suppress").isTrue();
        assertThat(reports(context, "rua@b.test")).as("only successes").isEmpty();

        TlsReportRun.Summary second = run(context, "node-1").run(DAY, ReportRun.Pacer.NONE);
        assertThat(second.mailed()).isZero();
        assertThat(context.getSentMails()).hasSize(1);
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void twoNodesRacingSendEachReportExactlyOnce(StoreConfig.Dialect dialect) throws Exception {
        start(dialect);
        StringBuilder zone = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            zone.append("_smtp._tls.d").append(i).append(" TXT \"v=TLSRPTv1; rua=mailto:rua@d").append(i).append(".many.test\"\n");
            count(key("d" + i + ".many.test", "d" + i + ".many.test", false, false, "validation-failure", "mx"), i + 1);
        }
        dns.addZone("many.test", zone.toString());
        FakeMailContext one = FakeMailContext.defaultContext();
        FakeMailContext two = FakeMailContext.defaultContext();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Callable<TlsReportRun.Summary>> nodes = List.of(
                () -> run(one, "node-1").runNow(DAY, 4),
                () -> run(two, "node-2").run(DAY, ReportRun.Pacer.NONE));
            int mailed = 0;
            for (Future<TlsReportRun.Summary> f : pool.invokeAll(nodes)) {
                mailed += f.get().mailed();
            }
            assertThat(mailed).isEqualTo(40);
        } finally {
            pool.shutdown();
        }
        Map<String, Integer> perRua = new HashMap<>();
        for (FakeMailContext context : List.of(one, two)) {
            context.getSentMails().forEach(m -> m.getRecipients().forEach(r -> perRua.merge(r.asString(), 1, Integer::sum)));
        }
        assertThat(perRua).hasSize(40).allSatisfy((rua, times) -> assertThat(times).as(rua).isEqualTo(1));
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void aNodeThatDiedHoldingAClaimDelaysTheReportButDoesNotLoseIt(StoreConfig.Dialect dialect) throws Exception {
        start(dialect);
        count(key("a.test", "a.test", false, false, "certificate-expired", "mx.a.test"), 2);
        new JdbcReportClaims(database).claim("a.test", DAY, "crashed-node", clock.instant().plus(Duration.ofMinutes(30)),
            clock.instant());
        FakeMailContext context = FakeMailContext.defaultContext();
        assertThat(run(context, "node-2").run(DAY, ReportRun.Pacer.NONE).mailed()).isZero();
        clock.advance(Duration.ofMinutes(31));
        assertThat(run(context, "node-2").run(DAY, ReportRun.Pacer.NONE).mailed()).isEqualTo(1);
        assertThat(run(context, "node-3").run(DAY, ReportRun.Pacer.NONE).mailed()).isZero();
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void hostResultsGoOnceToAnAddressAndSeparatelyToAHostsOwnEndpoint(StoreConfig.Dialect dialect) throws Exception {
        start(dialect);
        count(key("d.test", "d.test", false, false, "certificate-expired", "mx.d.test"), 1);
        count(key("mx.d.test", "d.test", true, false, "validation-failure", "mx.d.test"), 5);
        count(key("mx2.d.test", "d.test", true, false, "validation-failure", "mx2.d.test"), 6);
        FakeMailContext context = FakeMailContext.defaultContext();
        TlsReportRun.Summary summary = run(context, "node-1").run(DAY, ReportRun.Pacer.NONE);

        List<TlsReport> mailed = reports(context, "rua@d.test");
        assertThat(mailed).as("mx.d.test's own report would repeat what d.test's report said").hasSize(1);
        assertThat(mailed.get(0).totalFailure()).isEqualTo(1 + 5 + 6);
        assertThat(mailed.get(0).policies()).anySatisfy(p -> {
            assertThat(p.policy().type()).isEqualTo("tlsa");
            assertThat(p.policy().domain()).isEqualTo("d.test");
            assertThat(p.policy().mxHosts()).containsExactly("mx.d.test");
        });
        assertThat(summary.posted()).isEqualTo(1);
        TlsReport posted = new TlsReportReader().read(https.posts().get(0).body(), "r.json.gz").get(0);
        assertThat(posted.totalFailure()).isEqualTo(6);
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void aRecipientDomainWhoseOnlyResultsAreItsHostsDaneResultsGetsOneReport(StoreConfig.Dialect dialect) throws Exception {
        start(dialect);
        // e.test publishes TLSRPT, its hosts do not; every result of the day is a DANE result, stored under a host.
        count(key("mx.e.test", "e.test", true, false, "validation-failure", "mx.e.test"), 3);
        count(key("mx.e.test", "e.test", true, false, "", "mx.e.test"), 2);
        count(key("mx2.e.test", "e.test", true, false, "", "mx2.e.test"), 4);
        FakeMailContext context = FakeMailContext.defaultContext();
        TlsReportRun.Summary summary = run(context, "node-1").run(DAY, ReportRun.Pacer.NONE);

        assertThat(summary.mailed()).isEqualTo(1);
        List<TlsReport> mailed = reports(context, "rua@e.test");
        assertThat(mailed).hasSize(1);
        TlsReport report = mailed.get(0);
        assertThat(report.reportId()).isEqualTo("2026-11-21_e.test@sender.test");
        assertThat(report.totalSuccess()).isEqualTo(2 + 4);
        assertThat(report.totalFailure()).isEqualTo(3);
        assertThat(report.policies()).extracting(p -> p.policy().mxHosts())
            .containsExactlyInAnyOrder(List.of("mx.e.test"), List.of("mx2.e.test"));
        assertThat(report.policies()).allSatisfy(p -> assertThat(p.policy().domain()).isEqualTo("e.test"));

        TlsReportRun.Summary again = run(context, "node-1").run(DAY, ReportRun.Pacer.NONE);
        assertThat(again.mailed()).as("sent once").isZero();
    }

    /** A host's rows for a domain whose own report is not out yet (here: its record cannot be read) wait for it. */
    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void aHostReportNeverCarriesRowsItsRecipientDomainsReportWillCarryToTheSameAddress(StoreConfig.Dialect dialect)
            throws Exception {
        start(dialect);
        count(key("mx.f.test", "f.test", true, false, "validation-failure", "mx.f.test"), 3);
        dns.servfail("_smtp._tls.f.test", "TXT");
        FakeMailContext context = FakeMailContext.defaultContext();
        run(context, "node-1").run(DAY, ReportRun.Pacer.NONE);
        assertThat(reports(context, "rua@f.test")).as("f.test's report waits; mx.f.test's would repeat it").isEmpty();
        dns.heal();
        run(context, "node-1").run(DAY, ReportRun.Pacer.NONE);
        run(context, "node-1").run(DAY, ReportRun.Pacer.NONE);
        List<TlsReport> mailed = reports(context, "rua@f.test");
        assertThat(mailed).singleElement().satisfies(r -> {
            assertThat(r.reportId()).isEqualTo("2026-11-21_f.test@sender.test");
            assertThat(r.totalFailure()).isEqualTo(3);
        });
    }

    /** g.test is a recipient domain (DANE host mx.g.test) and the MX of h.test: one report, nothing lost. */
    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void aRecipientDomainThatIsAlsoAHostGetsOneReportWithBothKindsOfRows(StoreConfig.Dialect dialect) throws Exception {
        start(dialect);
        count(key("mx.g.test", "g.test", true, false, "validation-failure", "mx.g.test"), 2);
        count(key("g.test", "h.test", true, false, "", "g.test"), 5);
        FakeMailContext context = FakeMailContext.defaultContext();
        run(context, "node-1").run(DAY, ReportRun.Pacer.NONE);
        List<TlsReport> mailed = reports(context, "rua@g.test");
        assertThat(mailed).singleElement().satisfies(r -> {
            assertThat(r.totalFailure()).as("mx.g.test's results for g.test").isEqualTo(2);
            assertThat(r.totalSuccess()).as("g.test's own results as the MX of h.test").isEqualTo(5);
        });
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void anHttpsRuaIsTriedAgainAfterTransientFailuresButNotAfterARefusal(StoreConfig.Dialect dialect) throws Exception {
        start(dialect);
        count(key("mx2.d.test", "d.test", true, false, "validation-failure", "mx2.d.test"), 6);
        https.failPosts(503, 429);
        TlsReportRun.Summary summary = run(FakeMailContext.defaultContext(), "node-1").run(DAY, ReportRun.Pacer.NONE);
        assertThat(summary.posted()).isEqualTo(1);
        assertThat(summary.failed()).isZero();
        assertThat(https.posts()).hasSize(3);

        LocalDate nextDay = DAY.plusDays(1);
        results.add(java.util.Map.of(new TlsResultKey("mx2.d.test", nextDay, "d.test", true, false, "tlsa", List.of("3 1 1 AB"),
            "", "validation-failure", "192.0.2.1", "mx2.d.test", "", "198.51.100.1", "expired"), 1L));
        https.failPosts(404, 503);
        TlsReportRun.Summary refused = run(FakeMailContext.defaultContext(), "node-1").run(nextDay, ReportRun.Pacer.NONE);
        assertThat(refused.failed()).isEqualTo(1);
        assertThat(https.posts()).as("a 404 is not tried again").hasSize(4);
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void ruaOnThisNetworkIsNeverContacted(StoreConfig.Dialect dialect) throws Exception {
        start(dialect);
        // The rua host resolves to loopback, and another rua is an address literal: an outsider pointing reports
        // (or probes) into James's own network.
        dns.addZone("f.test", """
            _smtp._tls TXT "v=TLSRPTv1; rua=mailto:rua@[127.0.0.1],https://tlsrpt.d.test:%d/tlsrpt"
            """.formatted(https.port()));
        count(key("f.test", "f.test", false, false, "certificate-expired", "mx.f.test"), 2);
        FakeMailContext context = FakeMailContext.defaultContext();
        TlsReportRun.Summary summary = run(context, "node-1", org.mailsec.net.AddressPolicy.publicOnly())
            .run(DAY, ReportRun.Pacer.NONE);
        assertThat(https.posts()).as("nothing reached the loopback server").isEmpty();
        assertThat(context.getSentMails()).as("no mail to an address literal").isEmpty();
        assertThat(summary.posted()).isZero();
        assertThat(summary.failed()).as("refused at once, not retried").isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void suppressedAddressesGetNothingAndTemporaryDnsErrorsWaitForTheNextRun(StoreConfig.Dialect dialect) throws Exception {
        start(dialect);
        count(key("a.test", "a.test", false, false, "certificate-expired", "mx.a.test"), 2);
        count(key("e.test", "e.test", false, false, "certificate-expired", "mx.e.test"), 3);
        new JdbcSuppressionList(database).suppress(Suppression.Kind.TLS, "RUA@a.test", clock.instant().plus(Duration.ofDays(30)),
            "bounced", clock.instant());
        dns.servfail("_smtp._tls.e.test");
        FakeMailContext context = FakeMailContext.defaultContext();

        TlsReportRun.Summary first = run(context, "node-1").run(DAY, ReportRun.Pacer.NONE);
        assertThat(first.suppressed()).isEqualTo(1);
        assertThat(first.mailed()).isZero();
        assertThat(context.getSentMails()).isEmpty();

        dns.heal();
        TlsReportRun.Summary second = run(context, "node-1").run(DAY, ReportRun.Pacer.NONE);
        assertThat(second.mailed()).isEqualTo(1);
        assertThat(reports(context, "rua@e.test")).singleElement()
            .satisfies(r -> assertThat(r.totalFailure()).isEqualTo(3));
        assertThat(reports(context, "rua@a.test")).isEmpty();
    }
}
