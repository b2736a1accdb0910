package org.mailsec.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import javax.mail.Session;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import org.apache.james.core.MailAddress;
import org.apache.james.dnsservice.api.InMemoryDNSService;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.api.RawMailQueueItemDecoratorFactory;
import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.apache.james.server.core.MailImpl;
import org.apache.james.transport.mailets.remote.delivery.RemoteDeliveryConfiguration;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.connect.SmtpConnections;
import org.mailsec.connect.TlsSessions;
import org.mailsec.dane.SmtpTrustManager;
import org.mailsec.mtasts.MtaStsLookup;
import org.mailsec.mtasts.MtaStsPolicyFetcher;
import org.mailsec.outcome.TlsOutcomes;
import org.mailsec.plan.DeliveryPlanner;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.policy.JdbcPolicyCache;
import org.mailsec.store.tls.CoalescingRecorder;
import org.mailsec.store.tls.JdbcTlsResultStore;
import org.mailsec.store.tls.TlsResultCount;
import org.mailsec.stspolicy.MtaStsPolicies;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.testing.LoopbackMx;
import org.mailsec.testing.TestPki;

/**
 * Connection reuse and TLS session resumption in delivery, against a real subethasmtp MX with STARTTLS and
 * DNSSEC-signed zones: mails for one domain share a connection and count one TLS session; a new connection
 * resumes the last session; a changed TLSA RRset is never resumed into; domains whose policies differ never
 * share a connection; a connection the server dropped is replaced without losing the mail.
 */
class ConnectionReuseTest {

    private static final String MX_ADDRESS = "127.0.0.12";

    private LoopbackDnsServer dns;
    private Database database;
    private CoalescingRecorder recorder;
    private FakeMailContext context;
    private ManageableMailQueue queue;
    private TestPki.Identity root;
    private TestPki.Identity serverCert;
    private LoopbackMx mx;
    private int port;
    private TransportSecurity security;
    private SecureDelivery delivery;
    private TlsSessions tlsSessions;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        root = TestPki.rootCa("reuse test root");
        serverCert = root.issueServer("mx.dane.test", "mx.plain.test");
        port = LoopbackMx.freePort();
        mx = LoopbackMx.start(MX_ADDRESS, port, serverCert.serverContext());
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("dane.test", daneZone(serverCert));
        // The same host under another name, in an unsigned zone: opportunistic TLS, no DANE.
        dns.addZone("plain.test", "@ MX 10 mx\nmx A " + MX_ADDRESS + "\n_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:r@plain.test\"\n");
        database = Database.open(StoreConfig.embedded(dir));
        recorder = new CoalescingRecorder(new JdbcTlsResultStore(database));
        TlsOutcomes outcomes = new TlsOutcomes(recorder, new RecordingMetricFactory(), Clock.systemUTC());
        MtaStsPolicyFetcher fetcher = MtaStsPolicyFetcher.builder(dns.resolver()).build();
        MtaStsPolicies policies = new MtaStsPolicies(new MtaStsLookup(dns.resolver(), fetcher), fetcher,
            new JdbcPolicyCache(database), Clock.systemUTC(), new MtaStsPolicies.Listener() { });
        DeliveryPlanner planner = new DeliveryPlanner(dns.resolver(), policies, outcomes,
            new DeliveryPlanner.Settings(port, true, true, Set.of()));
        KeyStore roots = KeyStore.getInstance("PKCS12");
        roots.load(null, null);
        roots.setCertificateEntry("root", root.certificate());
        security = new TransportSecurity(planner, outcomes, SmtpTrustManager.pkixFrom(roots), Clock.systemUTC());
        context = FakeMailContext.defaultContext();
        queue = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory()).createQueue(MailQueueName.of("outgoing"));
    }

    private String daneZone(TestPki.Identity presented) {
        return "@ MX 10 mx\nmx A " + MX_ADDRESS + "\n_" + port + "._tcp.mx TLSA 3 1 1 "
            + HexFormat.of().formatHex(TestPki.tlsa(3, 1, 1, presented.certificate()).data())
            + "\n_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:r@dane.test\"\n";
    }

    private SecureDelivery delivery(SmtpConnections.Limits limits) {
        FakeMailetConfig config = FakeMailetConfig.builder().mailetName("SecureRemoteDelivery").mailetContext(context)
            .setProperty("heloName", "sender.test").setProperty("maxRetries", "2").setProperty("delayTime", "2 * 1000")
            .setProperty("bounceProcessor", "bounces").build();
        tlsSessions = new TlsSessions(true, TlsSessions.DEFAULT_LIFETIME);
        delivery = new SecureDelivery(queue, new RemoteDeliveryConfiguration(config, null), new InMemoryDNSService(),
            new RecordingMetricFactory(), context, security, limits, tlsSessions);
        return delivery;
    }

    @AfterEach
    void stop() {
        if (delivery != null) {
            delivery.stop();
        }
        mx.close();
        recorder.close();
        database.close();
        dns.close();
    }

    private static MailImpl mail(String name, String recipient) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(new InternetAddress("postmaster@sender.test"));
        message.setSubject(name);
        message.setText("body of " + name);
        message.saveChanges();
        return MailImpl.builder().name(name).sender(new MailAddress("postmaster@sender.test"))
            .addRecipient(new MailAddress(recipient)).mimeMessage(message).build();
    }

    private long sessionsCounted(String... policyDomains) {
        recorder.flush();
        JdbcTlsResultStore store = new JdbcTlsResultStore(database);
        long sum = 0;
        for (String domain : policyDomains) {
            sum += store.results(domain, LocalDate.now(ZoneOffset.UTC)).stream().mapToLong(TlsResultCount::sessions).sum();
        }
        return sum;
    }

    @Test
    void mailsForOneDomainShareOneConnectionAndCountOneSession() throws Exception {
        SecureDelivery delivery = delivery(SmtpConnections.Limits.DEFAULT);
        for (int i = 0; i < 3; i++) {
            delivery.attempt(mail("m" + i, "user" + i + "@dane.test"));
        }
        assertThat(mx.await(3, Duration.ofSeconds(10))).extracting(LoopbackMx.Received::tls).containsOnly(true);
        assertThat(mx.messages()).extracting(LoopbackMx.Received::mailFrom).containsOnly("postmaster@sender.test");
        assertThat(mx.messages()).extracting(r -> r.recipients().get(0))
            .containsExactly("user0@dane.test", "user1@dane.test", "user2@dane.test");
        assertThat(mx.connections()).as("one SMTP connection for three mails").isEqualTo(1);
        assertThat(sessionsCounted("dane.test", "mx.dane.test")).as("RFC 8460 counts sessions, not mails").isEqualTo(1);
        assertThat(queue.getSize()).isZero();
    }

    @Test
    void aConnectionCarriesAtMostItsLimitOfMails() throws Exception {
        SecureDelivery delivery = delivery(new SmtpConnections.Limits(2, Duration.ofSeconds(5), Duration.ofMinutes(5)));
        for (int i = 0; i < 5; i++) {
            delivery.attempt(mail("m" + i, "user" + i + "@dane.test"));
        }
        mx.await(5, Duration.ofSeconds(10));
        assertThat(mx.connections()).isEqualTo(3);
        assertThat(sessionsCounted("dane.test", "mx.dane.test")).isEqualTo(3);
        assertThat(tlsSessions.resumed()).as("the second and third connections resumed the first's TLS session")
            .isEqualTo(2);
    }

    @Test
    void anIdleConnectionIsClosedAfterItsTimeout() throws Exception {
        SecureDelivery delivery = delivery(new SmtpConnections.Limits(100, Duration.ofSeconds(1), Duration.ofMinutes(5)));
        delivery.attempt(mail("first", "a@dane.test"));
        Thread.sleep(1600);
        delivery.attempt(mail("second", "b@dane.test"));
        mx.await(2, Duration.ofSeconds(10));
        assertThat(mx.connections()).isEqualTo(2);
    }

    @Test
    void withoutReuseEachMailHasItsConnectionAndResumesTheTlsSession() throws Exception {
        SecureDelivery delivery = delivery(SmtpConnections.Limits.NO_REUSE);
        delivery.attempt(mail("first", "a@dane.test"));
        delivery.attempt(mail("second", "b@dane.test"));
        mx.await(2, Duration.ofSeconds(10));
        assertThat(mx.connections()).isEqualTo(2);
        assertThat(tlsSessions.resumed()).isEqualTo(1);
        assertThat(sessionsCounted("dane.test", "mx.dane.test")).as("each connection counted, resumed or not")
            .isEqualTo(2);
    }

    /** RFC 7672 §3.1: the TLSA records in DNS now decide; a session verified under the old ones is no proof. */
    @Test
    void aTlsaSetChangedSinceTheSessionIsNeverResumedInto() throws Exception {
        SecureDelivery delivery = delivery(SmtpConnections.Limits.NO_REUSE);
        delivery.attempt(mail("before", "a@dane.test"));
        mx.await(1, Duration.ofSeconds(10));

        dns.updateSignedZone("dane.test", daneZone(root.issueServer("mx.dane.test")));
        delivery.attempt(mail("after", "b@dane.test"));
        assertThat(mx.messages()).as("the server's key no longer matches the TLSA records: nothing sent").hasSize(1);
        assertThat(queue.getSize()).as("left for a retry").isEqualTo(1);
        assertThat(tlsSessions.resumed()).isZero();
        recorder.flush();
        assertThat(new JdbcTlsResultStore(database).results("mx.dane.test", LocalDate.now(ZoneOffset.UTC)))
            .anySatisfy(c -> assertThat(c.key().failureReasonCode()).isEqualTo("tlsa-mismatch"));
    }

    @Test
    void domainsWhosePoliciesDifferNeverShareAConnection() throws Exception {
        SecureDelivery delivery = delivery(SmtpConnections.Limits.DEFAULT);
        delivery.attempt(mail("dane", "a@dane.test"));
        delivery.attempt(mail("plain", "a@plain.test"));
        delivery.attempt(mail("dane again", "b@dane.test"));
        mx.await(3, Duration.ofSeconds(10));
        assertThat(mx.connections()).as("DANE and opportunistic TLS to the same address: one connection each")
            .isEqualTo(2);
        assertThat(sessionsCounted("plain.test")).isEqualTo(1);
        assertThat(sessionsCounted("dane.test", "mx.dane.test")).isEqualTo(1);
    }

    @Test
    void aConnectionTheServerDroppedIsReplacedAndNoMailIsLost() throws Exception {
        SecureDelivery delivery = delivery(SmtpConnections.Limits.DEFAULT);
        delivery.attempt(mail("first", "a@dane.test"));
        mx.await(1, Duration.ofSeconds(10));
        mx.close();
        mx = LoopbackMx.start(MX_ADDRESS, port, serverCert.serverContext());
        delivery.attempt(mail("second", "b@dane.test"));
        assertThat(mx.await(1, Duration.ofSeconds(10))).extracting(r -> r.recipients().get(0))
            .containsExactly("b@dane.test");
        assertThat(queue.getSize()).isZero();
        assertThat(sessionsCounted("dane.test", "mx.dane.test")).isEqualTo(2);
    }

    /** Recipients of different NOTIFY options go in separate transactions; one group's refusal is its own. */
    @Test
    void aRefusedNotifyGroupNeitherRepeatsNorLosesTheOther() throws Exception {
        SecureDelivery delivery = delivery(SmtpConnections.Limits.DEFAULT);
        mx.refuse("b@dane.test");
        MailAddress a = new MailAddress("a@dane.test");
        MailAddress b = new MailAddress("b@dane.test");
        MailImpl mail = mail("dsn", "a@dane.test");
        mail.setRecipients(List.of(a, b));
        mail.setDsnParameters(org.apache.mailet.DsnParameters.of(java.util.Optional.empty(), java.util.Optional.empty(),
            com.google.common.collect.ImmutableMap.of(
                a, org.apache.mailet.DsnParameters.RecipientDsnParameters.of(
                    java.util.EnumSet.of(org.apache.mailet.DsnParameters.Notify.SUCCESS)),
                b, org.apache.mailet.DsnParameters.RecipientDsnParameters.of(
                    java.util.EnumSet.of(org.apache.mailet.DsnParameters.Notify.FAILURE)))).get());
        delivery.attempt(mail);
        assertThat(context.getSentMails()).as("b bounced").singleElement()
            .satisfies(bounce -> assertThat(bounce.getRecipients()).containsExactly(b));
        boolean aDelivered = mx.messages().stream().anyMatch(r -> r.recipients().contains("a@dane.test"));
        if (!aDelivered) {
            // b's group went first: a was not tried, and James must know it, to try it again.
            assertThat(mail.getRecipients()).as("left for a retry, not lost").containsExactly(a);
            assertThat(queue.getSize()).isEqualTo(1);
            delivery.attempt(mail);
        }
        delivery.attempt(mail("next", "c@dane.test"));
        mx.await(2, Duration.ofSeconds(10));
        assertThat(mx.messages()).flatExtracting(LoopbackMx.Received::recipients).as("each once")
            .containsExactlyInAnyOrder("a@dane.test", "c@dane.test");
    }

    @Test
    void aMailForTwoRecipientsAndTheNextMailShareTheConnection() throws Exception {
        SecureDelivery delivery = delivery(SmtpConnections.Limits.DEFAULT);
        MailImpl two = mail("two", "a@dane.test");
        two.setRecipients(List.of(new MailAddress("a@dane.test"), new MailAddress("b@dane.test")));
        delivery.attempt(two);
        delivery.attempt(mail("one", "c@dane.test"));
        List<LoopbackMx.Received> received = mx.await(2, Duration.ofSeconds(10));
        assertThat(received.get(0).recipients()).containsExactlyInAnyOrder("a@dane.test", "b@dane.test");
        assertThat(received.get(1).recipients()).containsExactly("c@dane.test");
        assertThat(mx.connections()).isEqualTo(1);
    }
}
