package org.mailsec.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.apache.james.dnsservice.api.DNSService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.dane.SmtpTrustManager;
import org.mailsec.dns.DnssecResolver;
import org.mailsec.mtasts.MtaStsPolicy;
import org.mailsec.mtasts.MtaStsPolicyFetcher;
import org.mailsec.mtasts.PolicyFetch;
import org.mailsec.net.AddressPolicy;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.testing.TestPki;

/**
 * James serving the MTA-STS policies of its own domains on the internet-facing HTTPS listener: fetched by mailsec's
 * own policy fetcher and by curl, a 404 for a stranger's host, and a second James delivering to the first one under
 * the policy it serves (enforce mode, PKIX-verified MX).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MtaStsHostingEndToEndTest {

    private static final String BOB = "bob@hosted.test";
    private LoopbackDnsServer dns;
    private MailsecServer receiving;
    private MailsecServer sending;
    private int policyPort;
    private Path roots;
    private TestPki.Identity root;

    @BeforeAll
    void boot(@TempDir Path tmp) throws Exception {
        root = TestPki.rootCa("hosting root");
        dns = LoopbackDnsServer.start();
        String soa = "@ SOA ns hostmaster 1 3600 600 86400 300\n";
        dns.addSignedZone("hosted.test", soa + """
            @ MX 10 mx
            mx A 127.0.0.1
            mta-sts A 127.0.0.1
            _mta-sts TXT "v=STSv1; id=1"
            _smtp._tls TXT "v=TLSRPTv1; rua=mailto:tlsrpt@hosted.test"
            """);
        dns.addSignedZone("other.test", soa + "@ MX 10 mx.hosted.test.\nmta-sts A 127.0.0.1\n");
        Path anchors = Files.writeString(tmp.resolve("anchors.txt"), dns.trustAnchorText());
        roots = Files.writeString(tmp.resolve("roots.pem"), E2e.pem(root.certificate()));

        // One PKCS#12 file, a certificate per policy host: the listener picks by SNI.
        Path listenerKeys = tmp.resolve("listener.p12");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        for (String host : List.of("mta-sts.hosted.test", "mta-sts.other.test")) {
            TestPki.Identity identity = root.issueServer(host);
            keys.setKeyEntry(host, identity.keys().getPrivate(), "secret".toCharArray(), identity.sentChain());
        }
        try (var out = Files.newOutputStream(listenerKeys)) {
            keys.store(out, "secret".toCharArray());
        }
        TestPki.Identity mx = root.issueServer("mx.hosted.test");
        KeyStore smtpKeys = KeyStore.getInstance("PKCS12");
        smtpKeys.load(null, null);
        smtpKeys.setKeyEntry("james", mx.keys().getPrivate(), "changeit".toCharArray(), mx.sentChain());
        policyPort = org.mailsec.testing.LoopbackMx.freePort();
        Path receivingConf = E2e.configuration(tmp.resolve("receiving"), E2e.pairs(
            "mailsec.dns.servers", dns.hostPort(),
            "mailsec.dns.trust.anchors", anchors.toString(),
            "mailsec.mtasts.hosting.enabled", "true",
            "mailsec.mtasts.hosting.mode", "enforce",
            "mailsec.reports.receiver.bind", "127.0.0.1",
            "mailsec.reports.receiver.port", String.valueOf(policyPort),
            "mailsec.reports.receiver.keystore", listenerKeys.toString(),
            "mailsec.reports.receiver.keystore.password", "secret",
            "mailsec.reports.enabled", "false"), Optional.of(smtpKeys), "receiving");
        var jamesDns = E2e.jamesDns();
        receiving = MailsecServer.start(receivingConf, tmp.resolve("receiving-james"),
            binder -> binder.bind(DNSService.class).toInstance(jamesDns));
        assertThat(E2e.put(receiving.webAdminPort(), "/domains/hosted.test", "").statusCode()).isEqualTo(204);
        assertThat(E2e.put(receiving.webAdminPort(), "/users/" + BOB, "{\"password\":\"secret\"}").statusCode())
            .isEqualTo(204);

        Path sendingConf = E2e.configuration(tmp.resolve("sending"), E2e.pairs(
            "mailsec.dns.servers", dns.hostPort(),
            "mailsec.dns.trust.anchors", anchors.toString(),
            "mailsec.net.allowed", "127.0.0.0/8",
            "mailsec.delivery.smtp.port", String.valueOf(receiving.smtpPort()),
            "mailsec.tls.webpki.roots", roots.toString(),
            "mailsec.mtasts.https.port", String.valueOf(policyPort),
            "mailsec.reports.enabled", "false"), Optional.empty(), "sending");
        sending = MailsecServer.start(sendingConf, tmp.resolve("sending-james"),
            binder -> binder.bind(DNSService.class).toInstance(jamesDns));
    }

    @AfterAll
    void stop() {
        for (MailsecServer james : new MailsecServer[] {sending, receiving}) {
            if (james != null) {
                james.close();
            }
        }
        if (dns != null) {
            dns.close();
        }
    }

    private MtaStsPolicyFetcher fetcher() throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new javax.net.ssl.TrustManager[] {SmtpTrustManager.pkixFromPem(roots)}, null);
        DnssecResolver resolver = DnssecResolver.builder().server(dns.hostPort())
            .trustAnchors(dns.trustAnchorText()).build();
        return MtaStsPolicyFetcher.builder(resolver).sslContext(tls).port(policyPort)
            .addressPolicy(AddressPolicy.allowing(List.of("127.0.0.0/8"))).build();
    }

    @Test
    void mailsecsOwnFetcherGetsAValidPolicyNamingTheDomainsMx() throws Exception {
        PolicyFetch fetch = fetcher().fetch("hosted.test");
        assertThat(fetch.outcome()).as(fetch.reason()).isEqualTo(PolicyFetch.Outcome.POLICY);
        MtaStsPolicy policy = fetch.policy().orElseThrow();
        assertThat(policy.mode()).isEqualTo(MtaStsPolicy.Mode.ENFORCE);
        assertThat(policy.mx()).containsExactly("mx.hosted.test");
        assertThat(policy.maxAge()).isEqualTo(Duration.ofDays(7));
        assertThat(policy.warnings()).isEmpty();
    }

    @Test
    void curlGetsTextPlainAndAStrangersHostGets404() throws Exception {
        Curl ours = curl("mta-sts.hosted.test");
        assertThat(ours.status()).as(ours.output()).isEqualTo(200);
        assertThat(ours.headers()).containsIgnoringCase("content-type: text/plain");
        assertThat(ours.body()).isEqualTo("version: STSv1\r\nmode: enforce\r\nmx: mx.hosted.test\r\nmax_age: 604800\r\n");
        // A name with a certificate in the keystore but not a James domain: no policy.
        Curl stranger = curl("mta-sts.other.test");
        assertThat(stranger.status()).as(stranger.output()).isEqualTo(404);
        // A Host that is no domain name at all: a plain 404 too, nothing of the server's insides.
        Process odd = new ProcessBuilder("curl", "-sS", "-k", "-D", "-", "-H", "Host: mta-sts.a..b",
            "https://127.0.0.1:" + policyPort + "/.well-known/mta-sts.txt").redirectErrorStream(true).start();
        String answer = new String(odd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(odd.waitFor()).as(answer).isZero();
        assertThat(answer).startsWith("HTTP/1.1 404").doesNotContain("Exception").doesNotContain("at org.");
    }

    private record Curl(int status, String headers, String body, String output) {
    }

    /** curl as an operator would run it, trusting only the test root, the name pinned to the loopback listener. */
    private Curl curl(String host) throws Exception {
        Process curl = new ProcessBuilder("curl", "-sS", "--cacert", roots.toString(), "--resolve",
            host + ":" + policyPort + ":127.0.0.1", "-D", "-", "https://" + host + ":" + policyPort
                + "/.well-known/mta-sts.txt").redirectErrorStream(true).start();
        String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor()).as(output).isZero();
        int split = output.indexOf("\r\n\r\n");
        String headers = output.substring(0, split);
        return new Curl(Integer.parseInt(headers.split(" ")[1]), headers, output.substring(split + 4), output);
    }

    @Test
    void theRecordsToPublishCarryTheServedPolicysIdAndTheMxKey() throws Exception {
        JsonNode records = E2e.get(receiving.webAdminPort(), "/mailsec/domains/hosted.test/records");
        assertThat(records.get("mtaStsPolicy").asText()).isEqualTo(curl("mta-sts.hosted.test").body());
        String id = records.get("mtaStsId").asText();
        assertThat(id).matches("[0-9a-f]{20}");
        assertThat(records.get("records").toString()).contains("_mta-sts.hosted.test. IN TXT \\\"v=STSv1; id=" + id)
            .contains("_smtp._tls.mx.hosted.test. IN TXT")
            // This James's delivery port is 25 and loopback is not allowed to it: no key was read (DomainCheckEndToEndTest
            // reads one).
            .contains("; _25._tcp.mx.hosted.test. IN TLSA 3 1 1 <SHA-256");
        assertThat(records.get("zone").asText()).contains("_dmarc.hosted.test. IN TXT");
        HttpResponse<String> stranger = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + receiving.webAdminPort() + "/mailsec/domains/other.test/records"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(stranger.statusCode()).as(stranger.body()).isEqualTo(404);
    }

    @Test
    void aSecondJamesDeliversUnderThePolicyTheFirstServes() throws Exception {
        E2e.submitTo(sending.smtpPort(), BOB, "under the hosted policy");
        await().atMost(Duration.ofSeconds(60)).until(() -> Inbox.subjects(receiving.imapPort(), BOB, "secret")
            .contains("under the hosted policy"));
        // Outcomes reach the store within the recorder's flush interval.
        await().atMost(Duration.ofSeconds(10)).until(() -> E2e.get(sending.webAdminPort(),
            "/mailsec/tls-results?policyDomain=hosted.test").size() > 0);
        JsonNode results = E2e.get(sending.webAdminPort(), "/mailsec/tls-results?policyDomain=hosted.test");
        assertThat(results.toString()).contains("\"policyType\":\"sts\"").contains("\"result\":\"success\"")
            .contains("mode: enforce");
        assertThat(E2e.get(sending.webAdminPort(), "/mailsec/mta-sts/policies/hosted.test").get("mode").asText())
            .isEqualTo("enforce");
        // What Prometheus scrapes (James's meters are counters, named with _total): one TLS session, verified; on the
        // receiving side the policy it served.
        assertThat(metric(sending, "mailsec_tls_success_total")).isEqualTo(1.0);
        assertThat(metric(sending, "mailsec_tls_failure_total")).isZero();
        assertThat(metric(receiving, "mailsec_mtasts_policy_served_total")).isGreaterThanOrEqualTo(1.0);
    }

    /** One sample of {@code GET /mailsec/metrics} (Prometheus text format); 0 when absent. */
    private static double metric(MailsecServer james, String name) throws Exception {
        HttpResponse<String> scraped = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + james.webAdminPort() + "/mailsec/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(scraped.statusCode()).isEqualTo(200);
        assertThat(scraped.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
        return scraped.body().lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.split(" ")[1]))
            .findFirst().orElse(0);
    }
}
