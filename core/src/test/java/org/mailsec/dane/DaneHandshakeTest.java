package org.mailsec.dane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.mailsec.dns.TlsaRecord;
import org.mailsec.testing.TestData;
import org.mailsec.testing.TestPki;
import org.mailsec.tlsrpt.ResultType;

/** The SMTP trust manager inside real TLS handshakes on loopback, one per policy and failure. */
class DaneHandshakeTest {

    private static final String MX = "mx1.example.test";
    private static final TestPki.Identity CA = TestPki.rootCa("mailsec DANE test CA");
    private static final TestPki.Identity INTERMEDIATE = CA.issue("mailsec intermediate", java.time.Instant.now().minusSeconds(3600),
        java.time.Instant.now().plusSeconds(86_400 * 30), true);
    private static final ExecutorService SERVERS = Executors.newCachedThreadPool();

    @AfterAll
    static void stop() {
        SERVERS.shutdownNow();
    }

    /** One handshake against a server presenting {@code server}; returns the client's trust manager. */
    private static SmtpTrustManager handshake(TestPki.Identity server, TlsPolicy policy) throws Exception {
        SSLContext serverContext = server.serverContext();
        try (SSLServerSocket listener = (SSLServerSocket) serverContext.getServerSocketFactory().createServerSocket(0)) {
            SERVERS.execute(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept(); InputStream in = s.getInputStream();
                     OutputStream out = s.getOutputStream()) {
                    s.startHandshake();
                    out.write(in.read());
                } catch (IOException e) {
                    // the client refused the certificate
                }
            });
            SmtpTrustManager trust = new SmtpTrustManager(policy, SmtpTrustManager.pkixFrom(trustStore()), Clock.systemUTC());
            SSLContext client = SSLContext.getInstance("TLS");
            client.init(null, new TrustManager[] {trust}, new SecureRandom());
            try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", listener.getLocalPort())) {
                SSLParameters params = socket.getSSLParameters();
                params.setServerNames(List.of(new SNIHostName(MX)));
                socket.setSSLParameters(params);
                socket.startHandshake();
                socket.getOutputStream().write(42);
                assertThat(socket.getInputStream().read()).isEqualTo(42);
            }
            return trust;
        }
    }

    private static java.security.KeyStore trustStore() throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", CA.certificate());
        return ks;
    }

    private static TlsaRecord tlsa(int usage, int selector, int matching, X509Certificate cert) {
        return TestPki.tlsa(usage, selector, matching, cert);
    }

    private static TlsPolicy dane(TlsaRecord... records) {
        return new TlsPolicy.Dane(List.of(records), List.of(MX));
    }

    private static void assertRefused(TestPki.Identity server, TlsPolicy policy, ResultType type) {
        assertThatThrownBy(() -> handshake(server, policy)).isInstanceOf(SSLHandshakeException.class)
            .satisfies(e -> {
                Throwable cause = e;
                while (cause != null && !(cause instanceof TlsVerificationException)) {
                    cause = cause.getCause();
                }
                assertThat(cause).as("TlsVerificationException in %s", e).isNotNull();
                assertThat(((TlsVerificationException) cause).resultType()).isEqualTo(type);
            });
    }

    @Test
    void daneEeMatchesTheLeafIgnoringNameAndExpiry() throws Exception {
        TestPki.Identity expiredWrongName = TestPki.selfSigned("other.example");
        TestPki.Identity expired = CA.issueExpired("elsewhere.example");
        for (TestPki.Identity server : List.of(expiredWrongName, expired)) {
            for (int[] sm : new int[][] {{1, 1}, {1, 2}, {1, 0}, {0, 1}, {0, 0}}) {
                SmtpTrustManager trust = handshake(server, dane(tlsa(3, sm[0], sm[1], server.certificate())));
                assertThat(trust.outcome().orElseThrow().daneMatch().orElseThrow().depth()).isZero();
            }
        }
    }

    @Test
    void daneTaMatchesAnIssuerInTheChain() throws Exception {
        TestPki.Identity server = INTERMEDIATE.issueServer(MX);
        SmtpTrustManager trust = handshake(server, dane(tlsa(2, 0, 1, INTERMEDIATE.certificate())));
        assertThat(trust.outcome().orElseThrow().daneMatch().orElseThrow().depth()).isEqualTo(1);
    }

    @Test
    void daneTaChecksTheNameAndTheDates() throws Exception {
        assertRefused(INTERMEDIATE.issueServer("wrong.example.test"), dane(tlsa(2, 1, 1, INTERMEDIATE.certificate())),
            ResultType.CERTIFICATE_HOST_MISMATCH);
        assertRefused(INTERMEDIATE.issueExpired(MX), dane(tlsa(2, 1, 1, INTERMEDIATE.certificate())),
            ResultType.CERTIFICATE_EXPIRED);
    }

    @Test
    void tlsaMismatchIsAValidationFailure() throws Exception {
        TestPki.Identity server = CA.issueServer(MX);
        TestPki.Identity other = CA.issueServer(MX);
        assertRefused(server, dane(tlsa(3, 1, 1, other.certificate())), ResultType.VALIDATION_FAILURE);
        assertRefused(server, dane(tlsa(2, 0, 1, other.certificate())), ResultType.VALIDATION_FAILURE);
    }

    @Test
    void onlyUnusableRecordsAreTlsaInvalid() throws Exception {
        TestPki.Identity server = CA.issueServer(MX);
        assertRefused(server, dane(tlsa(1, 1, 1, server.certificate()), new TlsaRecord(3, 1, 1, new byte[5])),
            ResultType.TLSA_INVALID);
        // One usable record among unusable ones is enough.
        handshake(server, dane(new TlsaRecord(10, 1, 1, new byte[32]), tlsa(3, 1, 1, server.certificate())));
    }

    @Test
    void pkixAcceptsATrustedNameAndRefusesTheRest() throws Exception {
        SmtpTrustManager ok = handshake(INTERMEDIATE.issueServer(MX), new TlsPolicy.Pkix(MX));
        assertThat(ok.outcome().orElseThrow().verified()).isTrue();
        assertRefused(CA.issueExpired(MX), new TlsPolicy.Pkix(MX), ResultType.CERTIFICATE_EXPIRED);
        assertRefused(CA.issueServer("other.example.test"), new TlsPolicy.Pkix(MX), ResultType.CERTIFICATE_HOST_MISMATCH);
        assertRefused(TestPki.selfSigned(MX), new TlsPolicy.Pkix(MX), ResultType.CERTIFICATE_NOT_TRUSTED);
        assertRefused(TestPki.rootCa("unknown CA").issueServer(MX), new TlsPolicy.Pkix(MX), ResultType.CERTIFICATE_NOT_TRUSTED);
    }

    @Test
    void wildcardCertificatesMatchOneLabel() throws Exception {
        handshake(CA.issueServer("*.example.test"), new TlsPolicy.Pkix(MX));
        assertRefused(CA.issueServer("*.test"), new TlsPolicy.Pkix(MX), ResultType.CERTIFICATE_HOST_MISMATCH);
    }

    @Test
    void opportunisticAcceptsAnythingAndRecordsWhetherPkixWouldPass() throws Exception {
        assertThat(handshake(TestPki.selfSigned("x.example"), new TlsPolicy.Opportunistic(MX)).outcome().orElseThrow()
            .pkixWouldPass()).isFalse();
        assertThat(handshake(CA.issueServer(MX), new TlsPolicy.Opportunistic(MX)).outcome().orElseThrow()
            .pkixWouldPass()).isTrue();
    }

    @Test
    void realTlsaRecordSetsFromReportsParseAndAreUsable() {
        JsonNode items = TestData.json("dane-tlsa/tlsa_rrsets_from_tlsrpt_reports.json").get("items");
        int records = 0;
        for (JsonNode item : items) {
            for (JsonNode policyString : item.get("policy-string")) {
                String s = policyString.asText().strip();
                List<String> texts = s.startsWith("[")
                    ? java.util.stream.StreamSupport.stream(parseArray(s).spliterator(), false).map(JsonNode::asText).toList()
                    : List.of(s);
                for (String text : texts) {
                    TlsaRecord r = TlsaMatcher.parse(text);
                    assertThat(TlsaMatcher.usable(r)).as(text).isTrue();
                    assertThat(TlsaMatcher.format(r)).isEqualToIgnoringCase(text.replaceAll("\\s+", " "));
                    records++;
                }
            }
        }
        assertThat(records).isGreaterThan(2);
    }

    @Test
    void presentationFormatRoundTrips() {
        TlsaRecord r = TlsaMatcher.parse("3 1 1 0A1B" + "00".repeat(30));
        assertThat(r.usage()).isEqualTo(3);
        assertThat(HexFormat.of().formatHex(r.data())).startsWith("0a1b");
        assertThatThrownBy(() -> TlsaMatcher.parse("3 1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TlsaMatcher.parse("3 1 1 xyz")).isInstanceOf(IllegalArgumentException.class);
    }

    private static JsonNode parseArray(String s) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(s);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
