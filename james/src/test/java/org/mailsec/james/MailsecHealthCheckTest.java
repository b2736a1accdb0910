package org.mailsec.james;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.james.core.Domain;
import org.apache.james.core.healthcheck.Result;
import org.mailsec.testing.FixedDomainList;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.h2.tools.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.reportreceiver.HttpsReportReceiver;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.rejected.JdbcRejectedReports;
import org.mailsec.store.dmarc.CoalescingEvaluations;
import org.mailsec.store.dmarc.Evaluation;
import org.mailsec.store.dmarc.JdbcEvaluations;
import org.mailsec.store.tls.CoalescingRecorder;
import org.mailsec.store.tls.JdbcTlsResultStore;
import org.mailsec.store.tlsreport.JdbcIncomingTlsReports;
import org.mailsec.testing.TestPki;
import reactor.core.publisher.Mono;

/** mailsec in James's /healthcheck, over a real H2 store, a real recorder and a real report receiver. */
class MailsecHealthCheckTest {

    private static final MailsecSettings RECEIVER_OFF = MailsecSettings.from(new java.util.Properties());

    private Database database;
    private CoalescingRecorder recorder;
    private CoalescingEvaluations evaluations;
    private HttpsReportReceiver receiver;

    @BeforeEach
    void openStore(@TempDir Path dir) {
        database = Database.open(StoreConfig.embedded(dir));
        recorder = new CoalescingRecorder(new JdbcTlsResultStore(database), Duration.ofSeconds(1), 1000,
            new CoalescingRecorder.Listener() { });
        evaluations = new CoalescingEvaluations(new JdbcEvaluations(database), Duration.ofHours(1), 1000,
            new CoalescingEvaluations.Listener() { });
    }

    @AfterEach
    void close() {
        if (receiver != null) {
            receiver.stop();
        }
        try {
            recorder.close();
            evaluations.close();
        } catch (RuntimeException e) {
            // some tests close the store first
        }
        database.close();
    }

    private HttpsReportReceiver receiver(MailsecSettings settings) {
        receiver = new HttpsReportReceiver(settings.receiver(), settings.receivedReportLimits(),
            new JdbcIncomingTlsReports(database), new JdbcRejectedReports(database), new FixedDomainList("example.com"),
            new org.mailsec.policyhost.HostedPolicies(settings.policyHosting(), new FixedDomainList("example.com"), null),
            new RecordingMetricFactory(), Clock.systemUTC());
        return receiver;
    }

    private static MailsecSettings receiverOnLoopback() {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("mailsec.reports.receiver.enabled", "true");
        p.setProperty("mailsec.reports.receiver.plaintext", "true");
        p.setProperty("mailsec.reports.receiver.bind", "127.0.0.1");
        p.setProperty("mailsec.reports.receiver.port", "0");
        return MailsecSettings.from(p);
    }

    private Result check(HttpsReportReceiver receiver) {
        return check(database, receiver);
    }

    private Result check(Database database, HttpsReportReceiver receiver) {
        return Mono.from(new MailsecHealthCheck(database, recorder, evaluations, receiver).check()).block();
    }

    @Test
    void itIsNamedMailsec() {
        assertThat(new MailsecHealthCheck(database, recorder, evaluations, receiver(RECEIVER_OFF)).componentName().getName())
            .isEqualTo("mailsec");
    }

    @Test
    void healthyWhenTheStoreAnswersAndTheReceiverIsOff() {
        HttpsReportReceiver off = receiver(RECEIVER_OFF);
        off.start();
        Result result = check(off);
        assertThat(result.isHealthy()).as(result.toString()).isTrue();
        assertThat(result.getComponentName().getName()).isEqualTo("mailsec");
    }

    @Test
    void healthyWhenTheEnabledReceiverListensOnLoopback() {
        HttpsReportReceiver on = receiver(receiverOnLoopback());
        on.start();
        assertThat(on.port()).isPositive();
        Result result = check(on);
        assertThat(result.isHealthy()).as(result.toString()).isTrue();
    }

    @Test
    void healthyWhenTheEnabledTlsReceiverListensOnLoopback(@TempDir Path dir) throws Exception {
        TestPki.Identity identity = TestPki.selfSigned("localhost");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("receiver", identity.keys().getPrivate(), "secret".toCharArray(),
            identity.chain().toArray(new X509Certificate[0]));
        Path keystore = dir.resolve("receiver.p12");
        try (OutputStream out = Files.newOutputStream(keystore)) {
            keys.store(out, "secret".toCharArray());
        }
        java.util.Properties p = new java.util.Properties();
        p.setProperty("mailsec.reports.receiver.enabled", "true");
        p.setProperty("mailsec.reports.receiver.keystore", keystore.toString());
        p.setProperty("mailsec.reports.receiver.keystore.password", "secret");
        p.setProperty("mailsec.reports.receiver.bind", "127.0.0.1");
        p.setProperty("mailsec.reports.receiver.port", "0");
        HttpsReportReceiver on = receiver(MailsecSettings.from(p));
        on.start();
        Result result = check(on);
        assertThat(result.isHealthy()).as(result.toString()).isTrue();
    }

    @Test
    void unhealthyWhileDmarcEvaluationsCannotBeWritten() {
        database.close();
        evaluations.addAll(List.of(new Evaluation(0, "example.com", Instant.EPOCH, 24, List.of(), null, false, "192.0.2.1",
            "none", false, false, List.of(), "", "", "example.com", List.of(), List.of())));
        assertThatThrownBy(evaluations::flush).isInstanceOf(RuntimeException.class);
        // Waiting, not lost: the writer says so once the grace is over (a minute; here the first check after it).
        assertThat(evaluations.problem(Duration.ZERO)).get().asString()
            .startsWith("DMARC evaluations not stored for ").contains("1 waiting");
        assertThat(evaluations.pending()).isEqualTo(1);
    }

    @Test
    void unhealthyNamingTheStoreWhenTheDatabaseIsClosed() {
        database.close();
        Result result = check(receiver(RECEIVER_OFF));
        assertThat(result.isUnHealthy()).isTrue();
        assertThat(result.getCause()).hasValueSatisfying(cause -> assertThat(cause)
            .startsWith("the store is unreachable: ").contains("has been closed"));
    }

    @Test
    void unhealthyWhenTheStoreServerGoesAway(@TempDir Path dir) throws Exception {
        Server h2 = Server.createTcpServer("-tcpPort", "0", "-baseDir", dir.toString(), "-ifNotExists").start();
        Database remote = Database.open(new StoreConfig("jdbc:h2:tcp://127.0.0.1:" + h2.getPort() + "/mailsec", "sa", "", 2));
        try {
            assertThat(check(remote, receiver(RECEIVER_OFF)).isHealthy()).isTrue();
            h2.stop();
            Result result = check(remote, receiver);
            assertThat(result.isUnHealthy()).isTrue();
            assertThat(result.getCause()).hasValueSatisfying(cause -> assertThat(cause)
                .containsAnyOf("the store is unreachable", "the store does not answer", "no answer within 5 s"));
        } finally {
            h2.stop();
            remote.close();
        }
    }

    @Test
    void unhealthyWhenTheRecorderIsClosed() {
        recorder.close();
        Result result = check(receiver(RECEIVER_OFF));
        assertThat(result.isUnHealthy()).isTrue();
        assertThat(result.getCause()).contains("the TLS result recorder is closed");
    }

    @Test
    void unhealthyWhenTheEnabledReceiverWasNotStartedOrHasStopped() {
        HttpsReportReceiver on = receiver(receiverOnLoopback());
        assertThat(check(on).getCause()).contains("the TLS report receiver is not running");
        on.start();
        assertThat(check(on).isHealthy()).isTrue();
        on.stop();
        assertThat(check(on).getCause()).contains("the TLS report receiver is not running");
    }

    @Test
    void everyProblemIsListed() {
        HttpsReportReceiver on = receiver(receiverOnLoopback());
        recorder.close();
        database.close();
        Result result = check(on);
        assertThat(result.isUnHealthy()).isTrue();
        assertThat(result.getCause()).hasValueSatisfying(cause -> assertThat(cause.split("; "))
            .hasSize(3)
            .anySatisfy(p -> assertThat(p).startsWith("the store is unreachable"))
            .contains("the TLS result recorder is closed", "the TLS report receiver is not running"));
    }
}
