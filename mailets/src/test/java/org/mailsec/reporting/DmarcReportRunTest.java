package org.mailsec.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import javax.mail.internet.MimeMultipart;
import javax.mail.internet.MimePart;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.mailet.base.test.FakeMailContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.authentication.DkimVerification;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.dmarc.report.AggregateReportXml;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.dmarc.DmarcReportClaims;
import org.mailsec.store.dmarc.DmarcStoresTest;
import org.mailsec.store.dmarc.Evaluation;
import org.mailsec.store.dmarc.JdbcDmarcReportClaims;
import org.mailsec.store.dmarc.JdbcEvaluations;
import org.mailsec.store.suppression.JdbcSuppressionList;
import org.mailsec.store.suppression.Suppression;
import org.mailsec.testing.DkimKeys;
import org.mailsec.testing.DmarcSchemas;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.testing.MovableClock;
import org.mailsec.testing.TestDatabases;

/**
 * The DMARC report run of one period end against a real DNS server (signed zones) and each real database: who gets a
 * report, what is in it, what is dropped or kept, and that nothing goes twice.
 */
class DmarcReportRunTest {

    private static final Instant END = Instant.parse("2026-12-04T00:00:00Z");

    private LoopbackDnsServer dns;
    private Database database;
    private JdbcEvaluations evaluations;
    private KeyPair key;
    private final MovableClock clock = new MovableClock(END.plusSeconds(75));

    private void start(StoreConfig.Dialect dialect) throws Exception {
        key = DkimKeys.generate();
        dns = LoopbackDnsServer.start();
        String soa = "@ SOA ns hostmaster 1 3600 600 86400 300\n";
        dns.addSignedZone("receiver.test", soa + "r1._domainkey TXT " + DkimKeys.zoneRecord(key) + "\n");
        dns.addSignedZone("own.test", soa + "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@own.test\"\n");
        dns.addSignedZone("ext.test", soa + "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:r@processor.test\"\n");
        dns.addSignedZone("noauth.test", soa + "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:r@processor.test\"\n");
        dns.addSignedZone("processor.test", soa + "ext.test._report._dmarc TXT \"v=DMARC1\"\n");
        dns.addSignedZone("tiny.test", soa + "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:dmarc@tiny.test!1k\"\n");
        dns.addSignedZone("gone.test", soa + "x TXT \"no DMARC here any more\"\n");
        dns.addSignedZone("flaky.test", soa + "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:dmarc@flaky.test\"\n");
        dns.addSignedZone("hourly.test", soa + "_dmarc TXT \"v=DMARC1; p=none; ri=3600; rua=mailto:dmarc@hourly.test\"\n");
        database = Database.open(TestDatabases.fresh(dialect));
        evaluations = new JdbcEvaluations(database);
    }

    @AfterEach
    void stop() {
        if (database != null) {
            database.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    private DmarcReportRun run(FakeMailContext context, String node) {
        ReportSettings settings = new ReportSettings("Receiver Org", "receiver.test", "dmarc-reports@receiver.test",
            "postmaster@receiver.test", "transport", false,
            Optional.of(new ReportSettings.DkimKey("receiver.test", "r1", key.getPrivate())), Duration.ofSeconds(5));
        return new DmarcReportRun(evaluations, new JdbcDmarcReportClaims(database), new JdbcSuppressionList(database),
            dns.resolver(), context, settings, false, "mailsec test", new RecordingMetricFactory(), clock, node);
    }

    private void evaluated(String domain, int count, Instant at) {
        for (int i = 0; i < count; i++) {
            evaluations.add(DmarcStoresTest.evaluation(domain, at.plusSeconds(i), i % 2 == 0 ? "none" : "reject"));
        }
    }

    private static Evaluation hourly(Evaluation e) {
        return new Evaluation(0, e.policyDomain(), e.evaluated(), 1, e.addresses(), e.policyPublished(), e.optional(),
            e.sourceIp(), e.disposition(), e.alignedDkimPass(), e.alignedSpfPass(), e.overrideReasons(), e.envelopeTo(),
            e.envelopeFrom(), e.headerFrom(), e.dkimResults(), e.spfResults());
    }

    /** The reports mailed to {@code rcpt}, read from their gzip'ed XML, each checked against RFC 9990's schema. */
    private static List<AggregateReport> reports(FakeMailContext context, String rcpt) throws Exception {
        List<AggregateReport> out = new ArrayList<>();
        for (FakeMailContext.SentMail sent : context.getSentMails()) {
            if (sent.getRecipients().stream().anyMatch(r -> r.asString().equals(rcpt))) {
                MimePart attachment = (MimePart) ((MimeMultipart) sent.getMsg().getContent()).getBodyPart(1);
                try (InputStream gz = new GZIPInputStream(attachment.getInputStream())) {
                    byte[] xml = gz.readAllBytes();
                    DmarcSchemas.validateRfc9990(xml);
                    out.add(AggregateReportXml.read(xml));
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void eachDomainGetsOneReportWhereItsRecordNowAllowsAndNothingGoesTwice(StoreConfig.Dialect dialect) throws Exception {
        start(dialect);
        Instant day = END.minus(Duration.ofHours(20));
        for (String domain : List.of("own.test", "ext.test", "noauth.test", "tiny.test", "gone.test", "flaky.test")) {
            evaluated(domain, 3, day);
        }
        // Left by a failed run of the day before: goes into this report, its begin reaching back.
        evaluated("own.test", 2, END.minus(Duration.ofHours(30)));
        // Too old for any report.
        evaluated("own.test", 1, END.minus(Duration.ofHours(50)));
        dns.servfail("_dmarc.flaky.test");
        FakeMailContext context = FakeMailContext.defaultContext();

        DmarcReportRun.Summary summary = run(context, "node-1").run(END, ReportRun.Pacer.NONE, 1);

        List<AggregateReport> own = reports(context, "dmarc@own.test");
        assertThat(own).hasSize(1);
        AggregateReport report = own.get(0);
        assertThat(report.messages()).as("the day's 3 and the 2 left over; not the one past 48 hours").isEqualTo(5);
        assertThat(report.metadata().begin()).isEqualTo(END.minus(Duration.ofHours(30)));
        assertThat(report.metadata().end()).isEqualTo(END);
        assertThat(report.policy().domain()).isEqualTo("own.test");
        assertThat(report.metadata().reportId()).isEqualTo(DmarcReportRun.reportId("own.test", END));
        FakeMailContext.SentMail mail = context.getSentMails().stream()
            .filter(m -> m.getRecipients().toString().contains("own.test")).findFirst().orElseThrow();
        assertThat(mail.getMsg().getSubject()).isEqualTo("Report Domain: own.test Submitter: receiver.test Report-ID: <"
            + report.metadata().reportId() + ">");
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        mail.getMsg().writeTo(raw);
        assertThat(new DkimVerification(dns.resolver()).verify(raw.toByteArray()))
            .extracting(DkimVerification.Signature::result).containsExactly(DkimVerification.Result.PASS);

        assertThat(reports(context, "r@processor.test")).as("ext.test's processor opted in").hasSize(1);
        assertThat(context.getSentMails()).as("own.test, ext.test: noauth.test's processor did not opt in, "
            + "tiny.test's limit is below any report, gone.test has no record").hasSize(2);
        assertThat(summary.tooLarge()).isEqualTo(1);
        assertThat(summary.externalRefused()).isEqualTo(1);
        assertThat(summary.postponed()).isEqualTo(1);
        DmarcReportClaims claims = new JdbcDmarcReportClaims(database);
        assertThat(claims.state("gone.test", END).orElseThrow().outcome()).isEqualTo("no-record");
        assertThat(claims.state("noauth.test", END).orElseThrow().outcome()).isEqualTo("no-destination");
        assertThat(evaluations.forDomain("gone.test", END)).isEmpty();
        assertThat(evaluations.forDomain("own.test", END)).isEmpty();
        assertThat(evaluations.forDomain("flaky.test", END)).as("a DNS failure keeps them").hasSize(3);

        dns.heal();
        DmarcReportRun.Summary again = run(context, "node-2").run(END, ReportRun.Pacer.NONE, 1);
        assertThat(again.mailed()).as("only the postponed one goes when the period is run again").isEqualTo(1);
        assertThat(reports(context, "dmarc@flaky.test").get(0).messages()).isEqualTo(3);
        assertThat(context.getSentMails()).hasSize(3);
        assertThat(run(context, "node-1").run(END, ReportRun.Pacer.NONE, 1).mailed()).isZero();
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void anHourlyDomainIsDueEveryHourADailyOneAtMidnightOnlyAndSuppressedAddressesGetNothing(StoreConfig.Dialect dialect)
            throws Exception {
        start(dialect);
        Instant sixAm = END.plus(Duration.ofHours(6));
        evaluations.add(hourly(DmarcStoresTest.evaluation("hourly.test", sixAm.minusSeconds(600), "none")));
        evaluated("own.test", 1, sixAm.minusSeconds(600));
        FakeMailContext context = FakeMailContext.defaultContext();
        clock.advance(Duration.ofHours(6));

        assertThat(run(context, "node-1").run(sixAm, ReportRun.Pacer.NONE, 2).mailed()).isEqualTo(1);
        AggregateReport hourly = reports(context, "dmarc@hourly.test").get(0);
        assertThat(hourly.metadata().begin()).isEqualTo(sixAm.minus(Duration.ofHours(1)));
        assertThat(reports(context, "dmarc@own.test")).as("daily: at midnight").isEmpty();

        new JdbcSuppressionList(database).suppress(Suppression.Kind.DMARC, "dmarc@own.test", END.plus(Duration.ofDays(30)),
            "test", clock.instant());
        clock.advance(Duration.ofHours(18));
        DmarcReportRun.Summary midnight = run(context, "node-1").run(END.plus(Duration.ofDays(1)), ReportRun.Pacer.NONE, 1);
        assertThat(midnight.suppressed()).isEqualTo(1);
        assertThat(reports(context, "dmarc@own.test")).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void twoNodesRunningTheSamePeriodAtOnceSendEachReportOnce(StoreConfig.Dialect dialect) throws Exception {
        start(dialect);
        for (int d = 0; d < 12; d++) {
            dns.addSignedZone("d" + d + ".test", "@ SOA ns hostmaster 1 3600 600 86400 300\n"
                + "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:dmarc@d" + d + ".test\"\n");
            evaluated("d" + d + ".test", 4, END.minus(Duration.ofHours(3)));
        }
        FakeMailContext one = FakeMailContext.defaultContext();
        FakeMailContext two = FakeMailContext.defaultContext();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        var a = pool.submit(() -> run(one, "node-1").run(END, ReportRun.Pacer.NONE, 2));
        var b = pool.submit(() -> run(two, "node-2").run(END, ReportRun.Pacer.NONE, 2));
        int mailed = a.get().mailed() + b.get().mailed();
        pool.shutdown();
        assertThat(mailed).isEqualTo(12);
        List<String> recipients = new ArrayList<>();
        for (FakeMailContext context : List.of(one, two)) {
            context.getSentMails().forEach(m -> m.getRecipients().forEach(r -> recipients.add(r.asString())));
        }
        assertThat(recipients).hasSize(12).doesNotHaveDuplicates();
        long messages = 0;
        for (int d = 0; d < 12; d++) {
            for (FakeMailContext context : List.of(one, two)) {
                messages += reports(context, "dmarc@d" + d + ".test").stream().mapToLong(AggregateReport::messages).sum();
            }
        }
        assertThat(messages).as("every evaluation in exactly one report").isEqualTo(48);
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void aReportSentButNeverFinishedGoesAgainWithItsIdAndPeriodBeforeTheNextOne(StoreConfig.Dialect dialect) throws Exception {
        start(dialect);
        DmarcReportClaims claims = deadRunsRecordedReport();
        FakeMailContext context = FakeMailContext.defaultContext();

        DmarcReportRun.Summary next = run(context, "node-2").run(END.plus(Duration.ofDays(1)), ReportRun.Pacer.NONE, 1);
        assertThat(next.mailed()).isEqualTo(2);
        List<AggregateReport> reports = reports(context, "dmarc@own.test");
        assertThat(reports).extracting(r -> r.metadata().reportId())
            .containsExactly("deadbeef", DmarcReportRun.reportId("own.test", END.plus(Duration.ofDays(1))));
        assertThat(reports.get(0).messages()).as("the report as it was").isEqualTo(2);
        assertThat(reports.get(0).metadata().end()).isEqualTo(END);
        assertThat(reports.get(1).messages()).isEqualTo(1);
        assertThat(reports.get(1).metadata().begin()).as("periods do not overlap").isEqualTo(END);
        assertThat(claims.unfinished("own.test")).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void whileARecordedReportCannotGoAgainNoNewReportTakesItsEvaluationsAndAnEarlierHourMakesNone(StoreConfig.Dialect dialect)
            throws Exception {
        start(dialect);
        DmarcReportClaims claims = deadRunsRecordedReport();
        FakeMailContext context = FakeMailContext.defaultContext();
        Instant nextDay = END.plus(Duration.ofDays(1));

        dns.servfail("_dmarc.own.test");
        assertThat(run(context, "node-2").run(nextDay, ReportRun.Pacer.NONE, 1).mailed()).isZero();
        assertThat(context.getSentMails()).as("not the recorded one, and no new one carrying its evaluations").isEmpty();
        dns.heal();
        assertThat(run(context, "node-2").run(END, ReportRun.Pacer.NONE, 1).mailed())
            .as("an operator's run of the earlier day sends the recorded report, and makes none of its own").isEqualTo(1);
        assertThat(run(context, "node-2").run(nextDay, ReportRun.Pacer.NONE, 1).mailed()).isEqualTo(1);
        assertThat(reports(context, "dmarc@own.test")).extracting(AggregateReport::messages).containsExactly(2L, 1L);
    }

    /**
     * own.test: two evaluations of the day a node reported (report "deadbeef" recorded, handed over) before it died
     * unfinished, its lease long expired, and one evaluation of the next day; the clock a day later.
     */
    private DmarcReportClaims deadRunsRecordedReport() {
        evaluated("own.test", 2, END.minus(Duration.ofHours(3)));
        DmarcReportClaims claims = new JdbcDmarcReportClaims(database);
        claims.lease("own.test", "dead/1", END.plusSeconds(10), END);
        claims.record("own.test", END, END.minus(Duration.ofHours(24)), "deadbeef", "dead/1", END.plusSeconds(10), END);
        evaluated("own.test", 1, END.plus(Duration.ofHours(2)));
        clock.advance(Duration.ofDays(1));
        return claims;
    }
}
