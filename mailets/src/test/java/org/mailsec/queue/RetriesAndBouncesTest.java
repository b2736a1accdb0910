package org.mailsec.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import javax.mail.Session;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import org.apache.james.core.MailAddress;
import org.apache.james.dnsservice.api.InMemoryDNSService;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.api.MailQueueName;
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
import org.mailsec.dane.SmtpTrustManager;
import org.mailsec.plan.DeliveryPlanner;
import org.mailsec.outcome.TlsOutcomes;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.mtasts.MtaStsLookup;
import org.mailsec.mtasts.MtaStsPolicyFetcher;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.policy.JdbcPolicyCache;
import org.mailsec.store.tls.CoalescingRecorder;
import org.mailsec.store.tls.JdbcTlsResultStore;
import org.mailsec.stspolicy.MtaStsPolicies;

/**
 * What follows a failed attempt: retries on the outgoing queue with RemoteDelivery's delays, then a bounce;
 * except for mails carrying our own TLS reports, which are tried at most 5 times and never bounced.
 * The destination requires DANE (configured) and has none, so every attempt fails before connecting.
 */
class RetriesAndBouncesTest {

    private static final String DOMAIN = "nodane.test";

    private LoopbackDnsServer dns;
    private Database database;
    private CoalescingRecorder recorder;
    private MemoryMailQueueFactory queues;
    private FakeMailContext context;
    private SecureDelivery delivery;
    private ManageableMailQueue queue;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("anchor.test", "@ A 127.0.0.1\n");
        dns.addZone(DOMAIN, "@ MX 10 mx\nmx A 127.0.0.2\n_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@nodane.test\"\n");
        database = Database.open(StoreConfig.embedded(dir));
        recorder = new CoalescingRecorder(new JdbcTlsResultStore(database));
        RecordingMetricFactory metrics = new RecordingMetricFactory();
        TlsOutcomes outcomes = new TlsOutcomes(recorder, metrics, Clock.systemUTC());
        MtaStsPolicyFetcher fetcher = MtaStsPolicyFetcher.builder(dns.resolver()).build();
        MtaStsPolicies policies = new MtaStsPolicies(new MtaStsLookup(dns.resolver(), fetcher), fetcher,
            new JdbcPolicyCache(database), Clock.systemUTC(), new MtaStsPolicies.Listener() { });
        DeliveryPlanner planner = new DeliveryPlanner(dns.resolver(), policies, outcomes,
            new DeliveryPlanner.Settings(2525, true, true, Set.of(DOMAIN)));
        TransportSecurity security = new TransportSecurity(planner, outcomes, SmtpTrustManager.defaultPkix(), Clock.systemUTC());

        queues = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
        queue = queues.createQueue(MailQueueName.of("outgoing"));
        context = FakeMailContext.defaultContext();
        FakeMailetConfig config = FakeMailetConfig.builder().mailetName("SecureRemoteDelivery").mailetContext(context)
            .setProperty("heloName", "sender.test")
            .setProperty("maxRetries", "2")
            .setProperty("delayTime", "2 * 1000")
            .setProperty("bounceProcessor", "bounces")
            .build();
        RemoteDeliveryConfiguration configuration = new RemoteDeliveryConfiguration(config, null);
        delivery = new SecureDelivery(queue, configuration, new InMemoryDNSService(), metrics, context, security);
    }

    @AfterEach
    void stop() {
        recorder.close();
        database.close();
        dns.close();
    }

    private static MailImpl mail(boolean tlsReport) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(new InternetAddress("postmaster@sender.test"));
        message.setSubject(tlsReport ? "Report Domain: nodane.test Submitter: sender.test" : "hello");
        if (tlsReport) {
            message.setHeader("TLS-Report-Domain", DOMAIN);
            message.setHeader("TLS-Report-Submitter", "sender.test");
        }
        message.setText("body");
        message.saveChanges();
        return MailImpl.builder().name(tlsReport ? "report" : "mail").sender(new MailAddress("postmaster@sender.test"))
            .addRecipient(new MailAddress("tlsrpt@" + DOMAIN)).mimeMessage(message).build();
    }

    @Test
    void anOrdinaryMailIsRetriedThenBounced() throws Exception {
        MailImpl mail = mail(false);
        delivery.attempt(mail);
        delivery.attempt(mail);
        assertThat(queue.getSize()).as("two retries queued").isEqualTo(2);
        assertThat(context.getSentMails()).isEmpty();
        delivery.attempt(mail);
        assertThat(context.getSentMails()).hasSize(1);
        assertThat(context.getSentMails().get(0).getState()).isEqualTo("bounces");
        assertThat(queue.getSize()).isEqualTo(2);
    }

    @Test
    void aTlsReportMailIsTriedFiveTimesAndNeverBounced() throws Exception {
        MailImpl report = mail(true);
        for (int attempt = 1; attempt <= 5; attempt++) {
            delivery.attempt(report);
        }
        assertThat(queue.getSize()).as("four retries, then given up").isEqualTo(4);
        assertThat(context.getSentMails()).isEmpty();
        recorder.flush();
        assertThat(new JdbcTlsResultStore(database).results(DOMAIN, java.time.LocalDate.now(java.time.ZoneOffset.UTC)))
            .allSatisfy(count -> {
                assertThat(count.key().reportDelivery()).isTrue();
                assertThat(count.key().resultType()).isEqualTo("dane-required");
            })
            .isNotEmpty();
    }

    /**
     * RFC 8689 §4.2.1: a REQUIRETLS mail that no MX can take — one MX offers TLS but not REQUIRETLS, one is not
     * authenticated by DNSSEC or MTA-STS — is returned at once with 5.7.30, not retried until it expires.
     */
    @Test
    void aRequireTlsMailNoMxCanTakeIsReturnedAtOnce(@TempDir Path dir) throws Exception {
        org.mailsec.testing.TestPki.Identity root = org.mailsec.testing.TestPki.rootCa("requiretls test root");
        int port = org.mailsec.testing.LoopbackMx.freePort();
        try (org.mailsec.testing.LoopbackMx withoutRequireTls = org.mailsec.testing.LoopbackMx.start(
                "127.0.0.8", port, root.issueServer("mx.signed-reqtls.test").serverContext())) {
            dns.addSignedZone("signed-reqtls.test", "@ MX 10 mx\nmx A 127.0.0.8\n");
            dns.addZone("unsigned-reqtls.test", "@ MX 10 mx\nmx A 127.0.0.8\n");
            // The first MX's TLSA lookup fails (it might take REQUIRETLS once DNS answers), the second lacks it.
            dns.addSignedZone("mixed-reqtls.test", "@ MX 10 mx1\n@ MX 20 mx2\nmx1 A 127.0.0.9\nmx2 A 127.0.0.8\n");
            dns.servfail("_" + port + "._tcp.mx1.mixed-reqtls.test", "TLSA");
            java.security.KeyStore roots = java.security.KeyStore.getInstance("PKCS12");
            roots.load(null, null);
            roots.setCertificateEntry("root", root.certificate());
            TlsOutcomes outcomes = new TlsOutcomes(recorder, new RecordingMetricFactory(), Clock.systemUTC());
            MtaStsPolicyFetcher fetcher = MtaStsPolicyFetcher.builder(dns.resolver()).build();
            MtaStsPolicies policies = new MtaStsPolicies(new MtaStsLookup(dns.resolver(), fetcher), fetcher,
                new JdbcPolicyCache(database), Clock.systemUTC(), new MtaStsPolicies.Listener() { });
            DeliveryPlanner planner = new DeliveryPlanner(dns.resolver(), policies, outcomes,
                new DeliveryPlanner.Settings(port, true, true, Set.of()));
            TransportSecurity security = new TransportSecurity(planner, outcomes, SmtpTrustManager.pkixFrom(roots), Clock.systemUTC());
            FakeMailetConfig config = FakeMailetConfig.builder().mailetName("SecureRemoteDelivery").mailetContext(context)
                .setProperty("heloName", "sender.test").setProperty("maxRetries", "5").setProperty("delayTime", "2 * 1000")
                .setProperty("bounceProcessor", "bounces").build();
            SecureDelivery requireTlsDelivery = new SecureDelivery(queue, new RemoteDeliveryConfiguration(config, null),
                new InMemoryDNSService(), new RecordingMetricFactory(), context, security);

            for (String domain : new String[] {"signed-reqtls.test", "unsigned-reqtls.test"}) {
                context.resetSentMails();
                MailImpl mail = mail(false);
                mail.setRecipients(java.util.List.of(new MailAddress("user@" + domain)));
                mail.setAttribute(new org.apache.mailet.Attribute(org.mailsec.mail.MailsecAttributes.REQUIRE_TLS,
                    org.apache.mailet.AttributeValue.of(true)));
                requireTlsDelivery.attempt(mail);
                assertThat(queue.getSize()).as(domain + ": not queued for a retry").isZero();
                assertThat(context.getSentMails()).as(domain).singleElement().satisfies(bounce -> {
                    assertThat(bounce.getState()).isEqualTo("bounces");
                    assertThat(bounce.getAttributes().get(org.apache.mailet.AttributeName.of("delivery-error"))
                        .getValue().value().toString()).contains("5.7.30", domain);
                });
            }
            context.resetSentMails();
            MailImpl waiting = mail(false);
            waiting.setRecipients(java.util.List.of(new MailAddress("user@mixed-reqtls.test")));
            waiting.setAttribute(new org.apache.mailet.Attribute(org.mailsec.mail.MailsecAttributes.REQUIRE_TLS,
                org.apache.mailet.AttributeValue.of(true)));
            requireTlsDelivery.attempt(waiting);
            assertThat(context.getSentMails()).as("a host held back by DNS may take it later: no bounce").isEmpty();
            assertThat(queue.getSize()).as("retried").isEqualTo(1);
            assertThat(withoutRequireTls.messages()).isEmpty();
        }
    }

    @Test
    void delaysFollowTheDelayTimeParameter() throws Exception {
        MailImpl mail = mail(false);
        java.time.Instant before = java.time.Instant.now();
        delivery.attempt(mail);
        assertThat(queue.browse()).toIterable().singleElement()
            .satisfies(item -> assertThat(item.getNextDelivery()).get()
                .satisfies(next -> assertThat(Duration.between(before, next.toInstant())).isBetween(
                    Duration.ofSeconds(1), Duration.ofSeconds(3))));
    }
}
