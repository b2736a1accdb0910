package org.mailsec.dane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dns.DnssecStatus;
import org.mailsec.dns.TlsaRecord;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.testing.TestData;
import org.mailsec.testing.TestPki;
import org.mailsec.tlsrpt.ResultType;

/**
 * Every scenario of shared/testdata/dane-tlsa/mox_dane_scenarios.json, with TLSA records served by the
 * loopback DNS server and chains minted in the test. Scenarios about what delivery does next (fall back to
 * MTA-STS when there is no usable TLSA) are checked here down to what core decides: the DNS answer's
 * status and records, and the verifier's verdict.
 */
class DaneScenariosTest {

    private static final String MX = "mx.dane.test";
    private static final TestPki.Identity CA = TestPki.rootCa("scenario CA");
    private static final TestPki.Identity LEAF = CA.issueServer(MX);
    private static LoopbackDnsServer dns;
    private static DnsResolver resolver;

    @BeforeAll
    static void start() throws Exception {
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("dane.test", """
            mx A 127.0.0.1
            _25._tcp.mx TLSA 3 1 1 %s
            nodane A 127.0.0.1
            alias CNAME mx
            target A 127.0.0.1
            _25._tcp.target TLSA 3 1 1 %s
            viaalias CNAME target
            _25._tcp.orig TLSA 3 1 1 %s
            orig CNAME plain
            plain A 127.0.0.1
            toinsecure CNAME mx.unsigned.test.
            """.formatted(hex(3, 1, 1, LEAF.certificate()), hex(3, 1, 1, LEAF.certificate()), hex(3, 1, 1, LEAF.certificate())));
        dns.addZone("unsigned.test", """
            mx A 127.0.0.1
            _25._tcp.mx TLSA 3 1 1 %s
            """.formatted(hex(3, 1, 1, LEAF.certificate())));
        resolver = dns.resolver();
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    private static String hex(int u, int s, int m, X509Certificate cert) {
        return HexFormat.of().formatHex(record(u, s, m, cert).data());
    }

    private static TlsaRecord record(int usage, int selector, int matching, X509Certificate cert) {
        return TestPki.tlsa(usage, selector, matching, cert);
    }

    private static DaneVerifier.Match verify(TestPki.Identity server, TlsaRecord... records) throws TlsVerificationException {
        return DaneVerifier.verify(server.chain(), List.of(records), List.of(MX), true, Instant.now());
    }

    private static void refused(TestPki.Identity server, ResultType type, TlsaRecord... records) {
        assertThatThrownBy(() -> verify(server, records)).isInstanceOf(TlsVerificationException.class)
            .satisfies(e -> assertThat(((TlsVerificationException) e).resultType()).isEqualTo(type));
    }

    interface Check {
        void run() throws Exception;
    }

    private static Map<String, Check> checks() {
        Map<String, Check> c = new LinkedHashMap<>();
        c.put("DANE-EE(3) SPKI(1) SHA2-256(1) matching leaf", () -> {
            DnsAnswer<TlsaRecord> tlsa = resolver.tlsa("_25._tcp." + MX);
            assertThat(tlsa.secure()).isTrue();
            assertThat(DaneVerifier.verify(LEAF.chain(), tlsa.records(), List.of(MX), true, Instant.now()).depth()).isZero();
        });
        c.put("only PKIX-TA(0) usage allowed by caller, record is 3 1 1", () ->
            // mailsec never restricts to PKIX usages; the reverse holds: PKIX-only RRsets are unusable.
            refused(LEAF, ResultType.TLSA_INVALID, record(0, 1, 1, CA.certificate())));
        c.put("DANE-TA(2) Cert(0) SHA2-256(1) matching issuer in handshake chain", () ->
            assertThat(verify(LEAF, record(2, 0, 1, CA.certificate())).depth()).isEqualTo(1));
        c.put("no TLSA records (NXDOMAIN/NODATA, secure)", () -> {
            DnsAnswer<TlsaRecord> none = resolver.tlsa("_25._tcp.nodane.dane.test");
            assertThat(none.isEmpty()).isTrue();
            assertThat(none.status()).isEqualTo(DnssecStatus.SECURE);
        });
        c.put("TLSA RRset insecure (no AD bit / unsigned)", () ->
            assertThat(resolver.tlsa("_25._tcp.mx.unsigned.test").status()).isEqualTo(DnssecStatus.INSECURE));
        c.put("MX host reached via insecure CNAME", () ->
            assertThat(resolver.a("toinsecure.dane.test").status()).isEqualTo(DnssecStatus.INSECURE));
        c.put("secure CNAME chain, TLSA under expanded name", () -> {
            assertThat(resolver.cname("viaalias.dane.test").records()).containsExactly("target.dane.test");
            DnsAnswer<TlsaRecord> tlsa = resolver.tlsa("_25._tcp.target.dane.test");
            assertThat(tlsa.secure()).isTrue();
            assertThat(DaneVerifier.verify(LEAF.chain(), tlsa.records(), List.of("target.dane.test", "viaalias.dane.test"),
                true, Instant.now())).isNotNull();
        });
        c.put("cname-expanded name has no TLSA, original name has", () -> {
            assertThat(resolver.tlsa("_25._tcp.plain.dane.test").isEmpty()).isTrue();
            DnsAnswer<TlsaRecord> original = resolver.tlsa("_25._tcp.orig.dane.test");
            assertThat(original.secure()).isTrue();
            assertThat(DaneVerifier.verify(LEAF.chain(), original.records(), List.of("orig.dane.test"), true, Instant.now()))
                .isNotNull();
        });
        c.put("DANE-EE record not matching", () ->
            refused(LEAF, ResultType.VALIDATION_FAILURE, record(3, 1, 1, CA.issueServer(MX).certificate())));
        c.put("3 1 2 (SHA2-512) and 3 1 0 (full SPKI)", () -> {
            verify(LEAF, record(3, 1, 2, LEAF.certificate()));
            verify(LEAF, record(3, 1, 0, LEAF.certificate()));
        });
        c.put("2 0 0 full TA cert", () -> assertThat(verify(LEAF, record(2, 0, 0, CA.certificate())).depth()).isEqualTo(1));
        c.put("DANE-TA record for cert not present in handshake", () ->
            refused(LEAF, ResultType.VALIDATION_FAILURE, record(2, 0, 1, TestPki.rootCa("absent CA").certificate())));
        c.put("DANE-TA with leaf cert issued for another name", () ->
            refused(CA.issueServer("other.dane.test"), ResultType.CERTIFICATE_HOST_MISMATCH, record(2, 1, 1, CA.certificate())));
        c.put("DANE-TA with expired leaf", () ->
            refused(CA.issueExpired(MX), ResultType.CERTIFICATE_EXPIRED, record(2, 1, 1, CA.certificate())));
        c.put("malformed TLSA (wrong digest length) only", () ->
            refused(LEAF, ResultType.TLSA_INVALID, new TlsaRecord(3, 1, 1, new byte[31])));
        c.put("malformed TLSA + one valid", () -> verify(LEAF, new TlsaRecord(3, 1, 1, new byte[31]), record(3, 1, 1, LEAF.certificate())));
        c.put("unknown usage (e.g. 10) only", () -> refused(LEAF, ResultType.TLSA_INVALID, new TlsaRecord(10, 1, 1, new byte[32])));
        c.put("unknown usage + one valid", () -> verify(LEAF, new TlsaRecord(10, 1, 1, new byte[32]), record(3, 1, 1, LEAF.certificate())));
        c.put("PKIX-TA(0)/PKIX-EE(1) records", () ->
            refused(LEAF, ResultType.TLSA_INVALID, record(0, 0, 1, CA.certificate()), record(1, 1, 1, LEAF.certificate())));
        return c;
    }

    @Test
    void everyScenarioOfTheChecklistHoldsAndHasACheck() throws Exception {
        Map<String, Check> checks = checks();
        List<String> missing = new ArrayList<>();
        for (JsonNode s : TestData.json("dane-tlsa/mox_dane_scenarios.json").get("scenarios")) {
            Check check = checks.get(s.get("scenario").asText());
            if (check == null) {
                missing.add(s.get("scenario").asText());
                continue;
            }
            try {
                check.run();
            } catch (AssertionError | Exception e) {
                throw new AssertionError(s.get("scenario").asText() + " (expect: " + s.get("expect").asText() + "): " + e, e);
            }
        }
        assertThat(missing).as("scenarios without a check").isEmpty();
    }
}
