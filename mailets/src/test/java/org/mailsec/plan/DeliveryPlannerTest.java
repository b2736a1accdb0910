package org.mailsec.plan;

import org.mailsec.outcome.TlsOutcomes;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Set;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.dane.TlsPolicy;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.mtasts.MtaStsLookup;
import org.mailsec.mtasts.MtaStsPolicyFetcher;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.policy.JdbcPolicyCache;
import org.mailsec.store.tls.CoalescingRecorder;
import org.mailsec.store.tls.JdbcTlsResultStore;
import org.mailsec.stspolicy.MtaStsPolicies;

/**
 * Plans under DNS faults and odd records, against a real DNS server: what an indeterminate answer must never
 * turn into (a bounce, a downgrade) and what it must count.
 */
class DeliveryPlannerTest {

    private static final String TLSA = "TLSA 1 1 1 " + "ab".repeat(32);
    private static final String DANE_EE = "TLSA 3 1 1 " + "cd".repeat(32);

    private LoopbackDnsServer dns;
    private Database database;
    private CoalescingRecorder recorder;
    private RecordingMetricFactory metrics;
    private DeliveryPlanner planner;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("signed.test", """
            @ MX 10 mx
            mx A 127.0.0.2
            _25._tcp.mx %s
            bogusmx MX 10 mx
            optional MX 10 mx.optional
            mx.optional A 127.0.0.2
            _25._tcp.mx.optional %s
            rpt MX 10 mx.rpt
            mx.rpt A 127.0.0.2
            _25._tcp.mx.rpt %s
            _smtp._tls.rpt TXT "v=TLSRPTv1; rua=mailto:tlsrpt@rpt.signed.test"
            hostrpt MX 10 mx.hostrpt
            mx.hostrpt A 127.0.0.2
            _25._tcp.mx.hostrpt %s
            _smtp._tls.mx.hostrpt TXT "v=TLSRPTv1; rua=mailto:tlsrpt@hostrpt.signed.test"
            silent MX 10 mx.silent
            mx.silent A 127.0.0.2
            _25._tcp.mx.silent %s
            """.formatted(TLSA, TLSA, DANE_EE, DANE_EE, DANE_EE));
        dns.servfail("_25._tcp.mx.optional.signed.test", "TLSA");
        dns.breakSignature("bogusmx.signed.test", "MX");
        dns.addZone("insecure.test", """
            @ MX 10 mx1
            @ MX 20 mx2
            mx1 A 127.0.0.3
            mx2 A 127.0.0.4
            """);
        database = Database.open(StoreConfig.embedded(dir));
        recorder = new CoalescingRecorder(new JdbcTlsResultStore(database));
        metrics = new RecordingMetricFactory();
        TlsOutcomes outcomes = new TlsOutcomes(recorder, metrics, Clock.systemUTC());
        MtaStsPolicyFetcher fetcher = MtaStsPolicyFetcher.builder(dns.resolver()).build();
        MtaStsPolicies policies = new MtaStsPolicies(new MtaStsLookup(dns.resolver(), fetcher), fetcher,
            new JdbcPolicyCache(database), Clock.systemUTC(), new MtaStsPolicies.Listener() { });
        planner = new DeliveryPlanner(dns.resolver(), policies, outcomes, DeliveryPlanner.Settings.defaults());
    }

    @AfterEach
    void stop() {
        recorder.close();
        database.close();
        dns.close();
    }

    @Test
    void everyHostsAddressesUnanswerableUnderAnInsecureMxWaitsInsteadOfBouncing() {
        dns.servfail("mx1.insecure.test");
        dns.dropQueries("mx2.insecure.test");
        DeliveryPlan plan = planner.plan("insecure.test", DeliveryFlags.NORMAL);
        assertThat(plan.blocked()).as("James bounces a plan with no host").get().asString()
            .contains("mx1.insecure.test", "mx2.insecure.test");
        assertThat(plan.permanent()).isFalse();
    }

    @Test
    void oneHostUnanswerableLeavesTheOthers() {
        dns.servfail("mx1.insecure.test");
        DeliveryPlan plan = planner.plan("insecure.test", DeliveryFlags.NORMAL);
        assertThat(plan.blocked()).isEmpty();
        assertThat(plan.allowedHosts()).extracting(HostPlan::mx).containsExactly("mx2.insecure.test");
    }

    @Test
    void requireTlsOverOnlyUnusableTlsaStillAuthenticatesTheServer() {
        DeliveryPlan plan = planner.plan("signed.test", new DeliveryFlags(true, false, false));
        HostPlan host = plan.host("mx.signed.test").orElseThrow();
        assertThat(host.tlsRequired()).isTrue();
        // RFC 8689 §4.2.1: the certificate must verify by PKIX or DANE; unusable TLSA cannot, so PKIX (the MX is
        // DNSSEC-secure, so its name may be checked against the certificate).
        assertThat(host.tlsPolicy()).isInstanceOf(TlsPolicy.Pkix.class);
        DeliveryPlan ordinary = planner.plan("signed.test", DeliveryFlags.NORMAL);
        assertThat(ordinary.host("mx.signed.test").orElseThrow().tlsPolicy()).isInstanceOf(TlsPolicy.Opportunistic.class);
    }

    @Test
    void aBogusMxRrsetWaitsAndIsCountedAsDnssecInvalid() {
        DeliveryPlan plan = planner.plan("bogusmx.signed.test", DeliveryFlags.NORMAL);
        assertThat(plan.permanent()).isFalse();
        assertThat(plan.blocked()).isPresent();
        assertThat(metrics.countFor(MailsecMetrics.tlsFailure(org.mailsec.tlsrpt.ResultType.DNSSEC_INVALID))).isEqualTo(1);
    }

    @Test
    void tlsRequiredNoGoesOnWithoutDaneButCountsTheFailedTlsaLookup() {
        DeliveryPlan plan = planner.plan("optional.signed.test", new DeliveryFlags(false, true, false));
        assertThat(plan.host("mx.optional.signed.test").orElseThrow().allowed()).isTrue();
        assertThat(metrics.countFor(MailsecMetrics.tlsFailure(org.mailsec.tlsrpt.ResultType.DNSSEC_INVALID))).isEqualTo(1);
        DeliveryPlan strict = planner.plan("optional.signed.test", DeliveryFlags.NORMAL);
        assertThat(strict.host("mx.optional.signed.test").orElseThrow().allowed()).isFalse();
    }

    @Test
    void daneSuccessesAreWorthCountingWhenTheRecipientDomainOrTheHostPublishesTlsRpt() {
        // RFC 8460 §3: the recipient domain's report carries its MX hosts' DANE results, successes included.
        HostPlan viaDomain = planner.plan("rpt.signed.test", DeliveryFlags.NORMAL).host("mx.rpt.signed.test").orElseThrow();
        assertThat(viaDomain.tlsPolicy()).isInstanceOf(TlsPolicy.Dane.class);
        assertThat(viaDomain.report().isHost()).isTrue();
        assertThat(viaDomain.report().reportSuccess()).isTrue();
        HostPlan viaHost = planner.plan("hostrpt.signed.test", DeliveryFlags.NORMAL).host("mx.hostrpt.signed.test")
            .orElseThrow();
        assertThat(viaHost.report().reportSuccess()).isTrue();
        HostPlan neither = planner.plan("silent.signed.test", DeliveryFlags.NORMAL).host("mx.silent.signed.test").orElseThrow();
        assertThat(neither.report().reportSuccess()).as("nobody would receive them").isFalse();
    }
}
