package org.mailsec.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailsec.testing.LoopbackDnsServer;

/** The validating resolver against real DNS answers from the loopback server. */
class DnssecResolverTest {

    private static final String TLSA_HEX = "0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6";
    private static LoopbackDnsServer dns;
    private static DnsResolver resolver;

    @BeforeAll
    static void start() throws Exception {
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("secure.test", """
            @ MX 20 mx2
            @ MX 10 mx1
            @ TXT "v=spf1 " "-all"
            mx1 A 127.0.0.1
            mx1 AAAA ::1
            mx2 A 127.0.0.2
            _25._tcp.mx1 TLSA 3 1 1 %s
            alias CNAME mx1
            toinsecure CNAME www.insecure.test.
            big TXT "%s" "%s" "%s"
            loop1 CNAME loop2
            loop2 CNAME loop1
            """.formatted(TLSA_HEX, "a".repeat(250), "b".repeat(250), "c".repeat(250)));
        dns.addZone("insecure.test", """
            www A 192.0.2.7
            @ MX 10 mx.insecure.test.
            """);
        resolver = dns.resolver();
    }

    @AfterEach
    void heal() {
        dns.heal();
        dns.limitUdpAnswers(0);
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    @Test
    void aServerThatNeverAnswersHandsTheQueryToTheNextOne() throws Exception {
        try (LoopbackDnsServer silent = LoopbackDnsServer.start()) {
            silent.dropQueries("secure.test");
            DnssecResolver failover = DnssecResolver.builder().server(silent.hostPort()).server(dns.hostPort())
                .timeout(java.time.Duration.ofMillis(500)).retries(1).trustAnchors(dns.trustAnchorText()).build();
            DnsAnswer<MxRecord> mx = failover.mx("secure.test");
            assertThat(mx.status()).isEqualTo(DnssecStatus.SECURE);
            assertThat(mx.records()).isNotEmpty();
        }
    }

    @Test
    void signedAnswersAreSecure() throws Exception {
        DnsAnswer<MxRecord> mx = resolver.mx("secure.test");
        assertThat(mx.status()).isEqualTo(DnssecStatus.SECURE);
        assertThat(mx.records()).containsExactly(new MxRecord(10, "mx1.secure.test"), new MxRecord(20, "mx2.secure.test"));
        assertThat(resolver.a("mx1.secure.test").records()).containsExactly(InetAddress.getByName("127.0.0.1"));
        assertThat(resolver.aaaa("MX1.Secure.Test.").records()).containsExactly(InetAddress.getByName("::1"));
        DnsAnswer<TlsaRecord> tlsa = resolver.tlsa("_25._tcp.mx1.secure.test");
        assertThat(tlsa.secure()).isTrue();
        assertThat(tlsa.records()).singleElement().hasToString("3 1 1 " + TLSA_HEX);
    }

    @Test
    void txtStringsOfOneRecordAreConcatenated() throws Exception {
        assertThat(resolver.txt("secure.test").records()).containsExactly("v=spf1 -all");
    }

    @Test
    void unsignedZoneIsInsecure() throws Exception {
        DnsAnswer<InetAddress> a = resolver.a("www.insecure.test");
        assertThat(a.status()).isEqualTo(DnssecStatus.INSECURE);
        assertThat(a.records()).containsExactly(InetAddress.getByName("192.0.2.7"));
    }

    @Test
    void brokenSignatureIsBogusWithAReason() throws Exception {
        dns.breakSignature("_25._tcp.mx1.secure.test", "TLSA");
        DnsAnswer<TlsaRecord> tlsa = resolver.tlsa("_25._tcp.mx1.secure.test");
        assertThat(tlsa.status()).isEqualTo(DnssecStatus.BOGUS);
        assertThat(tlsa.records()).isEmpty();
        assertThat(tlsa.bogusReason()).isPresent();
    }

    @Test
    void servfailIsTemporary() {
        dns.servfail("_25._tcp.mx2.secure.test");
        assertThatThrownBy(() -> resolver.tlsa("_25._tcp.mx2.secure.test"))
            .isInstanceOf(DnsTemporaryException.class).hasMessageContaining("SERVFAIL");
    }

    @Test
    void unansweredQueryTimesOutAsTemporaryWithinTheShortTimeout() {
        dns.dropQueries("www.insecure.test");
        long start = System.nanoTime();
        assertThatThrownBy(() -> resolver.a("www.insecure.test")).isInstanceOf(DnsTemporaryException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void nxdomainAndNodataAreSecureAndDistinguished() throws Exception {
        DnsAnswer<TlsaRecord> nodata = resolver.tlsa("_25._tcp.mx2.secure.test");
        assertThat(nodata.records()).isEmpty();
        assertThat(nodata.nxdomain()).isTrue();
        assertThat(nodata.status()).isEqualTo(DnssecStatus.SECURE);

        DnsAnswer<TlsaRecord> noTlsaAtHost = resolver.tlsa("mx2.secure.test");
        assertThat(noTlsaAtHost.nxdomain()).isFalse();
        assertThat(noTlsaAtHost.records()).isEmpty();
        assertThat(noTlsaAtHost.status()).isEqualTo(DnssecStatus.SECURE);

        DnsAnswer<InetAddress> emptyNonTerminal = resolver.a("_tcp.mx1.secure.test");
        assertThat(emptyNonTerminal.nxdomain()).isFalse();
        assertThat(emptyNonTerminal.status()).isEqualTo(DnssecStatus.SECURE);
    }

    @Test
    void cnameChainsAreFollowedWithTheWeakestStatus() throws Exception {
        DnsAnswer<InetAddress> secure = resolver.a("alias.secure.test");
        assertThat(secure.name()).isEqualTo("alias.secure.test");
        assertThat(secure.records()).containsExactly(InetAddress.getByName("127.0.0.1"));
        assertThat(secure.status()).isEqualTo(DnssecStatus.SECURE);

        DnsAnswer<InetAddress> mixed = resolver.a("toinsecure.secure.test");
        assertThat(mixed.records()).containsExactly(InetAddress.getByName("192.0.2.7"));
        assertThat(mixed.status()).isEqualTo(DnssecStatus.INSECURE);
        assertThat(resolver.cname("alias.secure.test").records()).containsExactly("mx1.secure.test");
    }

    @Test
    void cnameLoopIsAPermanentError() {
        assertThatThrownBy(() -> resolver.a("loop1.secure.test")).isInstanceOf(DnsException.class);
    }

    @Test
    void largeAnswersComeOverTcpAfterTruncation() throws Exception {
        dns.limitUdpAnswers(512);
        DnsAnswer<String> txt = resolver.txt("big.secure.test");
        assertThat(txt.records()).singleElement().satisfies(s -> assertThat(s).hasSize(750));
        assertThat(txt.secure()).isTrue();
    }

    @Test
    void aWrongTrustAnchorMakesSignedAnswersBogus() throws Exception {
        String wrongAnchor = dns.trustAnchorText().replaceAll("(?m)^(\\S+\\s+\\d+\\s+IN\\s+DNSKEY\\s+257 3 13 )\\S+", "$1"
            + "mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==");
        DnsResolver misconfigured = DnssecResolver.builder().server(dns.hostPort()).timeout(Duration.ofMillis(700))
            .retries(1).trustAnchors(wrongAnchor).build();
        assertThat(misconfigured.mx("secure.test").status()).isEqualTo(DnssecStatus.BOGUS);
    }

    @Test
    void malformedNamesArePermanentErrors() {
        assertThatThrownBy(() -> resolver.a("a..b")).isInstanceOf(DnsPermanentException.class);
        assertThatThrownBy(() -> resolver.a("x".repeat(64) + ".test")).isInstanceOf(DnsPermanentException.class);
    }

    @Test
    void bundledRootAnchorIsTheIanaKsks() throws Exception {
        try (InputStream in = DnssecResolver.class.getResourceAsStream("root-anchors.txt")) {
            String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(text).contains(". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D")
                .contains(". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16");
        }
        // Building with it parses the anchors (no query is sent).
        assertThat(DnssecResolver.builder().server("127.0.0.1:1").build()).isNotNull();
    }
}
