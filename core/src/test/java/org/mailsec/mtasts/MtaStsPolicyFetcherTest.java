package org.mailsec.mtasts;

import org.mailsec.record.RecordException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.mtasts.PolicyFetch.Outcome;
import org.mailsec.tlsrpt.ResultType;
import org.mailsec.testing.TestPki;

/** Policy fetches against real HTTPS servers on loopback, with certificates from a test CA. */
class MtaStsPolicyFetcherTest {

    private static final String POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx.ok.test\r\nmax_age: 604800\r\n";

    /** The test policy servers listen on loopback, which mailsec refuses unless an operator allows it. */
    private static final org.mailsec.net.AddressPolicy LOOPBACK = org.mailsec.net.AddressPolicy.allowing(java.util.List.of("127.0.0.0/8"));
    private static LoopbackDnsServer dns;
    private static TestPki.Identity ca;
    private static HttpsServer good;
    private static HttpsServer expired;
    private static HttpsServer wrongName;
    private static HttpsServer untrusted;

    @BeforeAll
    static void start() throws Exception {
        dns = LoopbackDnsServer.start();
        StringBuilder zone = new StringBuilder();
        for (String d : new String[] {"ok", "notfound", "error", "redirect", "big", "chunked", "slow", "html", "invalid",
                "expired", "wrongname", "untrusted", "cname"}) {
            zone.append("mta-sts.").append(d).append(" A 127.0.0.1\n");
            zone.append("_mta-sts.").append(d).append(" TXT \"v=STSv1; id=20261122\"\n");
        }
        zone.append("_mta-sts.multiple TXT \"v=STSv1; id=1\"\n_mta-sts.multiple TXT \"v=STSv1; id=2\"\n");
        zone.append("_mta-sts.aliased CNAME _mta-sts.cname\n");
        zone.append("_mta-sts.other TXT \"v=spf1 -all\"\n");
        dns.addSignedZone("test", zone.toString());

        ca = TestPki.rootCa("mailsec test CA");
        good = server(ca.issueServer("mta-sts.ok.test", "mta-sts.notfound.test", "mta-sts.error.test", "mta-sts.redirect.test",
            "mta-sts.big.test", "mta-sts.chunked.test", "mta-sts.slow.test", "mta-sts.html.test", "mta-sts.invalid.test",
            "mta-sts.cname.test").serverContext());
        expired = server(ca.issueExpired("mta-sts.expired.test").serverContext());
        wrongName = server(ca.issueServer("mta-sts.elsewhere.test").serverContext());
        untrusted = server(TestPki.selfSigned("mta-sts.untrusted.test").serverContext());
    }

    private static HttpsServer server(SSLContext context) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/.well-known/mta-sts.txt", MtaStsPolicyFetcherTest::handle);
        server.start();
        return server;
    }

    private static void handle(HttpExchange exchange) throws IOException {
        String host = exchange.getRequestHeaders().getFirst("Host").replaceAll(":\\d+$", "");
        byte[] policy = POLICY.getBytes(StandardCharsets.US_ASCII);
        switch (host) {
            case "mta-sts.notfound.test" -> send(exchange, 404, "text/plain", "not here".getBytes(StandardCharsets.US_ASCII));
            case "mta-sts.error.test" -> send(exchange, 500, "text/plain", policy);
            case "mta-sts.redirect.test" -> {
                exchange.getResponseHeaders().add("Location", "https://mta-sts.ok.test/.well-known/mta-sts.txt");
                send(exchange, 301, "text/plain", new byte[0]);
            }
            case "mta-sts.big.test" -> send(exchange, 200, "text/plain", (POLICY + "x".repeat(1 << 20)).getBytes(StandardCharsets.US_ASCII));
            case "mta-sts.chunked.test" -> {
                exchange.getResponseHeaders().add("Content-Type", "text/plain");
                exchange.sendResponseHeaders(200, 0); // chunked, no length: an endless body
                try (OutputStream out = exchange.getResponseBody()) {
                    byte[] chunk = new byte[8192];
                    java.util.Arrays.fill(chunk, (byte) 'a');
                    for (int i = 0; i < 100_000; i++) {
                        out.write(chunk);
                    }
                } catch (IOException clientHungUp) {
                    // expected: the fetcher stops reading at the cap
                }
            }
            case "mta-sts.slow.test" -> {
                try {
                    Thread.sleep(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                send(exchange, 200, "text/plain", policy);
            }
            case "mta-sts.html.test" -> send(exchange, 200, "text/html", policy);
            case "mta-sts.invalid.test" -> send(exchange, 200, "text/plain", "version: STSv1\nmode: enforce\n".getBytes(StandardCharsets.US_ASCII));
            default -> send(exchange, 200, "text/plain", policy);
        }
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        } catch (IOException clientHungUp) {
            // the fetcher may stop reading early
        }
    }

    @AfterAll
    static void stop() {
        for (HttpsServer s : new HttpsServer[] {good, expired, wrongName, untrusted}) {
            s.stop(0);
        }
        dns.close();
    }

    private static PolicyFetch fetch(HttpsServer server, String domain) {
        return fetch(server, domain, Duration.ofSeconds(2));
    }

    private static PolicyFetch fetch(HttpsServer server, String domain, Duration timeout) {
        return MtaStsPolicyFetcher.builder(dns.resolver()).addressPolicy(LOOPBACK).sslContext(TestPki.trusting(ca.certificate()))
            .port(server.getAddress().getPort()).timeout(timeout).build().fetch(domain);
    }

    @Test
    void aPolicyHostOnThisNetworkIsRefusedAndNothingOfTheFarEndIsRepeated() {
        PolicyFetch fetch = MtaStsPolicyFetcher.builder(dns.resolver()).sslContext(TestPki.trusting(ca.certificate()))
            .build().fetch("ok.test");
        assertThat(fetch.outcome()).isEqualTo(PolicyFetch.Outcome.FETCH_ERROR);
        assertThat(fetch.reason()).isEqualTo("refused-address");
    }

    @Test
    void validPolicy() {
        PolicyFetch f = fetch(good, "ok.test");
        assertThat(f.outcome()).isEqualTo(Outcome.POLICY);
        assertThat(f.policy().orElseThrow().matches("mx.ok.test")).isTrue();
        assertThat(f.text()).isEqualTo(POLICY);
        assertThat(f.resultType()).isEmpty();
    }

    @Test
    void notFoundMeansNoPolicyButIsReportedAsFetchError() {
        PolicyFetch f = fetch(good, "notfound.test");
        assertThat(f.outcome()).isEqualTo(Outcome.NO_POLICY);
        assertThat(f.resultType()).contains(ResultType.STS_POLICY_FETCH_ERROR);
    }

    @Test
    void policyHostThatDoesNotExistMeansNoPolicy() {
        PolicyFetch f = fetch(good, "nxdomain.test");
        assertThat(f.outcome()).isEqualTo(Outcome.NO_POLICY);
        assertThat(f.reason()).isEqualTo("policy-host-nxdomain");
    }

    @Test
    void serverErrorIsAFetchError() {
        PolicyFetch f = fetch(good, "error.test");
        assertThat(f.outcome()).isEqualTo(Outcome.FETCH_ERROR);
        assertThat(f.reason()).isEqualTo("http-status-500");
    }

    @Test
    void redirectsAreNotFollowed() {
        PolicyFetch f = fetch(good, "redirect.test");
        assertThat(f.outcome()).isEqualTo(Outcome.FETCH_ERROR);
        assertThat(f.reason()).startsWith("redirect-not-allowed");
    }

    @Test
    void oversizedBodiesAreCutAtTheCap() {
        // A deadline far away: this is about the cap, and a busy machine must not turn it into a timeout.
        assertThat(fetch(good, "big.test", Duration.ofSeconds(30)).reason()).isEqualTo("body-too-large");
        assertThat(fetch(good, "chunked.test", Duration.ofSeconds(30)).reason()).isEqualTo("body-too-large");
    }

    @Test
    void slowServerHitsTheDeadline() {
        long start = System.nanoTime();
        PolicyFetch f = fetch(good, "slow.test");
        assertThat(f.outcome()).isEqualTo(Outcome.FETCH_ERROR);
        assertThat(f.reason()).isEqualTo("timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void otherContentTypeIsAccepted() {
        assertThat(fetch(good, "html.test").outcome()).isEqualTo(Outcome.POLICY);
    }

    @Test
    void invalidPolicyIsReportedAsSuch() {
        PolicyFetch f = fetch(good, "invalid.test");
        assertThat(f.outcome()).isEqualTo(Outcome.INVALID);
        assertThat(f.resultType()).contains(ResultType.STS_POLICY_INVALID);
        assertThat(f.reason()).contains("missing max_age");
    }

    @Test
    void badCertificatesAreWebPkiFailures() {
        for (var c : new Object[][] {{expired, "expired.test"}, {wrongName, "wrongname.test"}, {untrusted, "untrusted.test"}}) {
            PolicyFetch f = fetch((HttpsServer) c[0], (String) c[1]);
            assertThat(f.outcome()).as((String) c[1]).isEqualTo(Outcome.WEBPKI_INVALID);
            assertThat(f.resultType()).contains(ResultType.STS_WEBPKI_INVALID);
        }
    }

    @Test
    void lookupCombinesRecordAndPolicyFollowingCnames() throws Exception {
        MtaStsLookup lookup = new MtaStsLookup(dns.resolver(), MtaStsPolicyFetcher.builder(dns.resolver()).addressPolicy(LOOPBACK)
            .sslContext(TestPki.trusting(ca.certificate())).port(good.getAddress().getPort()).build());
        MtaStsLookup.Result result = lookup.lookup("ok.test");
        assertThat(result.record().id()).isEqualTo("20261122");
        assertThat(result.fetch().outcome()).isEqualTo(Outcome.POLICY);
        assertThat(lookup.record("aliased.test").id()).isEqualTo("20261122");
    }

    @Test
    void recordErrorsAreTyped() {
        MtaStsLookup lookup = new MtaStsLookup(dns.resolver(), MtaStsPolicyFetcher.builder(dns.resolver()).addressPolicy(LOOPBACK).build());
        assertThatThrownBy(() -> lookup.record("multiple.test")).isInstanceOf(RecordException.class)
            .satisfies(e -> assertThat(((RecordException) e).kind()).isEqualTo(RecordException.Kind.MULTIPLE_RECORDS));
        assertThatThrownBy(() -> lookup.record("other.test"))
            .satisfies(e -> assertThat(((RecordException) e).kind()).isEqualTo(RecordException.Kind.NO_RECORD));
        assertThatThrownBy(() -> lookup.record("absent.test"))
            .satisfies(e -> assertThat(((RecordException) e).kind()).isEqualTo(RecordException.Kind.NO_RECORD));
        dns.servfail("_mta-sts.ok.test");
        try {
            assertThatThrownBy(() -> lookup.record("ok.test"))
                .satisfies(e -> assertThat(((RecordException) e).kind()).isEqualTo(RecordException.Kind.TEMPORARY_DNS));
        } finally {
            dns.heal();
        }
        dns.breakSignature("_mta-sts.ok.test", "TXT");
        try {
            assertThatThrownBy(() -> lookup.record("ok.test"))
                .satisfies(e -> assertThat(((RecordException) e).kind()).isEqualTo(RecordException.Kind.TEMPORARY_DNS));
        } finally {
            dns.heal();
        }
    }
}
