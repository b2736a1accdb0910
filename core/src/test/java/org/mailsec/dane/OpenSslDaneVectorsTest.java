package org.mailsec.dane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.dns.TlsaRecord;
import org.mailsec.testing.TestData;
import org.mailsec.tlsrpt.ResultType;

/**
 * OpenSSL's DANE test cases (shared/testdata/dane-tlsa/openssl_danetest.in). Cases whose TLSA records are
 * all DANE-TA/DANE-EE run unchanged; cases with PKIX-TA(0)/PKIX-EE(1) records are skipped because RFC 7672
 * §3.1.3 makes those usages unusable for SMTP, so OpenSSL's expected result (which applies them) does not hold.
 */
class OpenSslDaneVectorsTest {

    /** One block of danetest.in; {@code chain} is empty when the JDK cannot parse its certificates. */
    record Case(int number, List<TlsaRecord> records, List<X509Certificate> chain, boolean noNameChecks,
                int expectedResult, int expectedDepth) {
        @Override
        public String toString() {
            return "#" + number + " " + records.stream().map(r -> r.usage() + " " + r.selector() + " " + r.matchingType())
                .toList() + " -> " + expectedResult + "@" + expectedDepth;
        }
    }

    static List<Case> allCases() throws Exception {
        List<String> lines = Files.readAllLines(TestData.file("dane-tlsa/openssl_danetest.in"), StandardCharsets.US_ASCII);
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<Case> cases = new ArrayList<>();
        int i = 0;
        int number = 0;
        while (i < lines.size()) {
            String line = lines.get(i++).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] h = line.split("\\s+");
            int tlsaCount = Integer.parseInt(h[0]);
            int certCount = Integer.parseInt(h[1]);
            List<TlsaRecord> records = new ArrayList<>();
            while (records.size() < tlsaCount) {
                String r = lines.get(i++).strip();
                if (!r.isEmpty() && !r.startsWith("#")) {
                    records.add(TlsaMatcher.parse(r.split("\\s+").length == 3 ? r + " 00" : r));
                }
            }
            List<X509Certificate> chain = new ArrayList<>();
            StringBuilder pem = null;
            int seen = 0;
            boolean parseable = true;
            while (seen < certCount) {
                String c = lines.get(i++);
                if (c.startsWith("-----BEGIN CERTIFICATE-----")) {
                    pem = new StringBuilder();
                }
                if (pem != null) {
                    pem.append(c).append('\n');
                }
                if (c.startsWith("-----END CERTIFICATE-----")) {
                    seen++;
                    try {
                        chain.add((X509Certificate) factory.generateCertificate(
                            new ByteArrayInputStream(pem.toString().getBytes(StandardCharsets.US_ASCII))));
                    } catch (java.security.cert.CertificateParsingException e) {
                        parseable = false;
                    }
                    pem = null;
                }
            }
            cases.add(new Case(++number, records, parseable ? chain : List.of(), h[2].equals("1"),
                Integer.parseInt(h[3]), Integer.parseInt(h[4])));
        }
        return cases;
    }

    /**
     * Also skipped: the "anonymous" certificates of cases 1-10 (empty subject and issuer). The JDK refuses to
     * parse them ("Empty issuer DN not allowed"), so a JSSE handshake can never hand them to a trust manager.
     */
    static Stream<Case> smtpCases() throws Exception {
        return allCases().stream().filter(c -> !c.chain().isEmpty())
            .filter(c -> c.records().stream().allMatch(r -> r.usage() >= 2));
    }

    @Test
    void theFileHoldsAllItsCases() throws Exception {
        List<Case> all = allCases();
        assertThat(all).hasSizeGreaterThanOrEqualTo(50);
        assertThat(all.stream().filter(c -> c.chain().isEmpty()).map(Case::number)).allMatch(n -> n <= 10);
        assertThat(smtpCases().count()).isGreaterThanOrEqualTo(20);
    }

    /**
     * Case 54 expects OpenSSL's generic default, name checks on DANE-EE; RFC 7672 §3.1.1 turns them off for
     * SMTP (case 51 is the same chain with name checks off, and succeeds), so mailsec must accept it.
     */
    private static final int DANE_EE_NAME_CHECK_CASE = 54;

    @ParameterizedTest(name = "{0}")
    @MethodSource("smtpCases")
    void verifiesAsOpenSslDoes(Case c) {
        List<String> names = List.of("example.com");
        if (c.expectedResult() == 0 || c.number() == DANE_EE_NAME_CHECK_CASE) {
            try {
                DaneVerifier.Match match = DaneVerifier.verify(c.chain(), c.records(), names, !c.noNameChecks(), Instant.now());
                if (c.expectedDepth() >= 0) {
                    assertThat(match.depth()).isEqualTo(c.expectedDepth());
                }
            } catch (TlsVerificationException e) {
                throw new AssertionError(c + ": " + e.getMessage(), e);
            }
        } else {
            assertThatThrownBy(() -> DaneVerifier.verify(c.chain(), c.records(), names, !c.noNameChecks(), Instant.now()))
                .isInstanceOf(TlsVerificationException.class)
                .satisfies(e -> {
                    ResultType type = ((TlsVerificationException) e).resultType();
                    if (c.expectedResult() == 62) {
                        assertThat(type).isEqualTo(ResultType.CERTIFICATE_HOST_MISMATCH);
                    } else if (c.expectedResult() == 65) {
                        assertThat(type).isIn(ResultType.VALIDATION_FAILURE, ResultType.TLSA_INVALID);
                    }
                });
        }
    }
}
