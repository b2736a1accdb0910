package org.mailsec.dmarc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.dmarc.DmarcRecord.Alignment;
import org.mailsec.dmarc.DmarcRecord.Policy;
import org.mailsec.testing.TestData;

class DmarcRecordTest {

    /**
     * Where the source suites disagree, mailsec decides (README "DMARC record decisions"):
     * p after another tag is accepted with a warning (RFC 9989), an unregistered rf is accepted with a
     * warning (RFC 7489's grammar only asks for a keyword), an invalid p with a valid rua is p=none (§6.6.3).
     */
    private static final Map<String, Boolean> DECISIONS = Map.of(
        "v=DMARC1; sp=reject; p=reject", true,
        "v=DMARC1; p=reject; rf=invalid", true,
        "v=DMARC1; p=foo; rua=mailto:dmarc@example.com", true,
        "v=DMARC1; sp=none; p=reject", true);

    static Stream<Arguments> vectors() {
        List<Arguments> out = new ArrayList<>();
        for (JsonNode v : TestData.json("dmarc-records/dmarc_record_vectors.json").get("record_vectors")) {
            String input = v.get("input").asText();
            String expect = v.get("expect").asText();
            boolean valid = DECISIONS.containsKey(input) ? DECISIONS.get(input)
                : expect.contains("RFC 7489: invalid") ? false
                : expect.contains("RFC 7489: valid") || expect.startsWith("valid");
            out.add(Arguments.of(input, valid, v.get("source").asText()));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "[{2}] {0} -> valid={1}")
    @MethodSource("vectors")
    void recordVectors(String input, boolean valid, String source) {
        if (valid) {
            assertThat(parse(input).policy()).isNotNull();
        } else {
            assertThatThrownBy(() -> DmarcRecord.parse(input)).isInstanceOf(DmarcRecordException.class);
        }
    }

    @Test
    void reportUriVectors() {
        for (JsonNode v : TestData.json("dmarc-records/dmarc_record_vectors.json").get("report_uri_vectors")) {
            String record = "v=DMARC1; p=none; rua=" + v.get("input").asText();
            if (v.get("expect").asText().equals("valid")) {
                assertThat(parse(record).aggregateUris()).as(record).hasSize(1);
            } else {
                assertThatThrownBy(() -> DmarcRecord.parse(record)).as(record).isInstanceOf(DmarcRecordException.class);
            }
        }
    }

    @Test
    void defaultsAndLowerCasing() {
        DmarcRecord r = parse("V = DMARC1 ; P = Reject ; ADKIM=S; rua=mailto:a@example.com!10m");
        assertThat(r.policy()).isEqualTo(Policy.REJECT);
        assertThat(r.subdomainPolicy()).isEqualTo(Policy.REJECT);
        assertThat(r.nonExistentPolicy()).isEqualTo(Policy.REJECT);
        assertThat(r.dkimAlignment()).isEqualTo(Alignment.STRICT);
        assertThat(r.spfAlignment()).isEqualTo(Alignment.RELAXED);
        assertThat(r.percent()).isEqualTo(100);
        assertThat(r.reportInterval()).isEqualTo(86_400);
        assertThat(r.failureOptions()).containsExactly("0");
        assertThat(r.aggregateUris()).singleElement().satisfies(u -> {
            assertThat(u.address()).isEqualTo("a@example.com");
            assertThat(u.maxBytes()).contains(10L << 20);
        });
    }

    @Test
    void rfc9989Tags() {
        DmarcRecord r = parse("v=DMARC1; p=reject; sp=quarantine; np=None; psd=n; t=y");
        assertThat(r.subdomainPolicy()).isEqualTo(Policy.QUARANTINE);
        assertThat(r.nonExistentPolicy()).isEqualTo(Policy.NONE);
        assertThat(r.publicSuffixDomain()).isEqualTo('n');
        assertThat(r.testing()).isTrue();
    }

    @Test
    void brokenTagWithRuaBecomesPolicyNoneWithAWarning() {
        DmarcRecord r = parse("v=DMARC1; p=reject; sp=invalid; rua=mailto:mjl@mox.example");
        assertThat(r.policy()).isEqualTo(Policy.NONE);
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).contains("invalid sp"));
    }

    private static DmarcRecord parse(String input) {
        try {
            return DmarcRecord.parse(input);
        } catch (DmarcRecordException e) {
            throw new AssertionError(input + ": " + e.getMessage(), e);
        }
    }
}
