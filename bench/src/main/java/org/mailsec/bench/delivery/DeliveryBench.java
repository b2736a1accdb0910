package org.mailsec.bench.delivery;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.mailsec.dane.SmtpTrustManager;
import org.mailsec.plan.DeliveryPlanner;
import org.mailsec.outcome.TlsOutcomes;
import org.mailsec.dns.CachingDnsResolver;
import org.mailsec.dns.DnsResolver;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.mtasts.MtaStsLookup;
import org.mailsec.mtasts.MtaStsPolicyFetcher;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.policy.CachedPolicy;
import org.mailsec.store.policy.JdbcPolicyCache;
import org.mailsec.store.tls.CoalescingRecorder;
import org.mailsec.store.tls.JdbcTlsResultStore;
import org.mailsec.stspolicy.MtaStsPolicies;
import org.mailsec.testing.TestPki;
import org.mailsec.testing.LoopbackMx;
import org.mailsec.queue.TransportSecurity;

/**
 * The world both delivery benchmarks run in, all real and on loopback: MX hosts with STARTTLS, a DNS server for
 * {@code bench.test} (and, with several recipient domains, {@code d0.bench.test}...), an H2 store holding each
 * domain's MTA-STS policy (enforce), and mailsec's delivery components over them.
 */
final class DeliveryBench implements AutoCloseable {

    static final String DOMAIN = "bench.test";
    static final String MX = "mx.bench.test";
    static final String MX_ADDRESS = "127.0.0.2";
    static final String MX2 = "mx2.bench.test";
    static final String MX2_ADDRESS = "127.0.0.3";

    final TestPki.Identity root = TestPki.rootCa("mailsec bench root");
    final int port;
    final LoopbackMx mx;
    /** The second MX host; domains alternate between the two when there are several. */
    final LoopbackMx mx2;
    /** The recipient domains: {@code bench.test} alone, or {@code d0.bench.test}... */
    final java.util.List<String> domains;
    final LoopbackDnsServer dns;
    final Database database;
    final CoalescingRecorder recorder;
    final DeliveryPlanner planner;
    final TransportSecurity security;
    final RecordingMetricFactory metrics = new RecordingMetricFactory();
    private final Path directory;

    DeliveryBench() throws Exception {
        this(1);
    }

    /** With {@code domainCount} recipient domains (1: {@code bench.test} on one MX; more: over two MX hosts). */
    DeliveryBench(int domainCount) throws Exception {
        port = LoopbackMx.freePort();
        SSLContext serverTls = root.issueServer(MX, MX2).serverContext();
        mx = LoopbackMx.start(MX_ADDRESS, port, serverTls);
        mx2 = LoopbackMx.start(MX2_ADDRESS, port, serverTls);
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("anchor.test", "@ A 127.0.0.1\n");
        directory = Files.createTempDirectory("mailsec-bench");
        database = Database.open(StoreConfig.embedded(directory));
        JdbcPolicyCache cache = new JdbcPolicyCache(database);
        Instant now = Instant.now();
        java.util.List<String> names = new java.util.ArrayList<>();
        StringBuilder zone = new StringBuilder("mx A " + MX_ADDRESS + "\nmx2 A " + MX2_ADDRESS + "\n");
        for (int i = 0; i < domainCount; i++) {
            String domain = domainCount == 1 ? DOMAIN : "d" + i + "." + DOMAIN;
            String sub = domainCount == 1 ? "" : ".d" + i;
            String host = mxOf(i);
            names.add(domain);
            zone.append(sub.isEmpty() ? "@" : sub.substring(1)).append(" MX 10 ").append(host).append(".\n")
                .append("mta-sts").append(sub).append(" A 127.0.0.1\n")
                .append("_mta-sts").append(sub).append(" TXT \"v=STSv1; id=bench1\"\n")
                .append("_smtp._tls").append(sub).append(" TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@bench.test\"\n");
            // The policy is cached, as it is for every domain after its first delivery.
            cache.put(new CachedPolicy(domain, now, now.plus(Duration.ofDays(1)), now, now, false, "bench1", "enforce",
                "version: STSv1\nmode: enforce\nmx: " + host + "\nmax_age: 86400\n"));
        }
        domains = java.util.List.copyOf(names);
        dns.addZone(DOMAIN, zone.toString());
        DnsResolver resolver = new CachingDnsResolver(dns.resolver(), Duration.ofSeconds(60));
        MtaStsPolicyFetcher fetcher = MtaStsPolicyFetcher.builder(resolver).build();
        MtaStsPolicies policies = new MtaStsPolicies(new MtaStsLookup(resolver, fetcher), fetcher, cache,
            Clock.systemUTC(), new MtaStsPolicies.Listener() { });
        recorder = new CoalescingRecorder(new JdbcTlsResultStore(database));
        TlsOutcomes outcomes = new TlsOutcomes(recorder, metrics, Clock.systemUTC());
        planner = new DeliveryPlanner(resolver, policies, outcomes,
            new DeliveryPlanner.Settings(port, true, true, java.util.Set.of()));
        X509TrustManager pkix = SmtpTrustManager.pkixFrom(trustStore(root));
        security = new TransportSecurity(planner, outcomes, pkix, Clock.systemUTC());
    }

    /** The MX host of the {@code i}th domain. */
    static String mxOf(int i) {
        return i % 2 == 0 ? MX : MX2;
    }

    /** Mails both MX hosts received since their last clear. */
    int received() {
        return mx.messages().size() + mx2.messages().size();
    }

    /** SMTP connections both MX hosts saw since their last clear. */
    int connections() {
        return mx.connections() + mx2.connections();
    }

    void clear() {
        mx.clear();
        mx2.clear();
    }

    private static java.security.KeyStore trustStore(TestPki.Identity root) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("root", root.certificate());
        return ks;
    }

    @Override
    public void close() throws Exception {
        recorder.close();
        database.close();
        dns.close();
        mx.close();
        mx2.close();
        try (var files = Files.walk(directory)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

}
