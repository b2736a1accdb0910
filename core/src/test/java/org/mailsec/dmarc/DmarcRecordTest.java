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
     * The linters' and mox's "invalid" for a bad term after a valid p is a receiver's "discard the term, keep the
     * policy" (RFC 7489 §6.3): refusing the record would drop the domain's p=reject.
     */
    private static final Map<String, Boolean> DECISIONS = Map.ofEntries(
        Map.entry("v=DMARC1; sp=reject; p=reject", true),
        Map.entry("v=DMARC1; p=reject; rf=invalid", true),
        Map.entry("v=DMARC1; p=foo; rua=mailto:dmarc@example.com", true),
        Map.entry("v=DMARC1; sp=none; p=reject", true),
        Map.entry("v=DMARC1; p=none; rua=reports@dmarc.cyber.dhs.gov,mailto:dmarcreports@usdoj.gov", true),
        Map.entry("v=DMARC1; p=none; rua=__mailto:reports@dmarc.cyber.dhs.gov,mailto:dmarcreports@usdoj.gov", true),
        Map.entry("v=DMARC1; p=reject; np=invalid", true),
        Map.entry("v=DMARC1; p=reject; psd=x", true),
        Map.entry("v=DMARC1; p=reject; t=x", true),
        Map.entry("v=DMARC1; p=reject; fo=invalid_value", true),
        Map.entry("v=DMARC1; p=reject; fo=x", true),
        Map.entry("v=DMARC1; p=reject; pct=150", true),
        Map.entry("v=DMARC1; p=reject; pct=-1", true),
        Map.entry("v=DMARC1; p=reject; pct=abc", true),
        Map.entry("v=DMARC1; p=reject; ri=abc", true));

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
                // The URI is left out; the policy stays (RFC 7489 §6.3).
                DmarcRecord kept = parse(record);
                assertThat(kept.aggregateUris()).as(record).isEmpty();
                assertThat(kept.warnings()).as(record).anySatisfy(w -> assertThat(w).contains(v.get("input").asText()));
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

    /** One bad term must not cost the domain its p=reject: the term is dropped, its default used, and named. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "pct=150 | pct",
        "adkim=x | adkim",
        "fo=2 | fo",
        "ri=abc | ri",
        "np=bogus | np",
        "rua=dmarc@example.com | dmarc@example.com",
        "rua=mailto:dmarc@example.com!10x | !10x",
        "rua= | empty rua",
        "garbage | garbage",
        "rua=mailto:a@example.com!; aspf=q | aspf",
    })
    void aBadTermIsDroppedAndThePolicyKept(String term, String named) {
        DmarcRecord r = parse("v=DMARC1; p=reject; " + term + "; sp=quarantine");
        assertThat(r.policy()).isEqualTo(Policy.REJECT);
        assertThat(r.subdomainPolicy()).isEqualTo(Policy.QUARANTINE);
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).contains(named));
        assertThat(r.percent()).isEqualTo(100);
        assertThat(r.dkimAlignment()).isEqualTo(Alignment.RELAXED);
        assertThat(r.spfAlignment()).isEqualTo(Alignment.RELAXED);
        assertThat(r.reportInterval()).isEqualTo(86_400);
        assertThat(r.failureOptions()).containsExactly("0");
        assertThat(r.nonExistentPolicy()).as("np falls back to sp").isEqualTo(Policy.QUARANTINE);
        assertThat(r.explicitTags()).doesNotContain("np");
    }

    @Test
    void aHostileRuaCostsLittle() {
        String hostile = "v=DMARC1; p=reject; rua=mailto:a@b.c" + " ".repeat(2_000) + "!" + " ".repeat(2_000) + "x";
        DmarcRecord r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(5),
            () -> DmarcRecord.parse(hostile));
        assertThat(r.policy()).isEqualTo(Policy.REJECT);
        assertThat(r.aggregateUris()).isEmpty();
        assertThat(parse("v=DMARC1; p=none; rua=mailto:a@b.c!10 K").aggregateUris().get(0).maxBytes()).contains(10L << 10);
    }

    @Test
    void aBadUriIsLeftOutAndTheOthersKept() {
        DmarcRecord r = parse("v=DMARC1; p=reject; rua=reports@example.com,mailto:good@example.com,mailto:x@example.com!9q");
        assertThat(r.aggregateUris()).extracting(DmarcRecord.ReportUri::address).containsExactly("good@example.com");
        assertThat(r.warnings()).hasSize(2);
    }

    @Test
    void onlyVersionRepeatsAndThePolicyRulesOfSection663VoidARecord() {
        for (String voided : List.of("v=DMARC1; p=bogus", "v=DMARC1; p=reject; sp=bogus", "v=DMARC1; adkim=s",
                "v=DMARC1; p=reject; p=none", " v=DMARC1; p=reject", "v=DMARC1 p=reject", "v=DMARC1; p=reject; v=DMARC1",
                "v=DMARC1; p=bogus; rua=nothing@example.com")) {
            assertThatThrownBy(() -> DmarcRecord.parse(voided)).as(voided).isInstanceOf(DmarcRecordException.class);
        }
        DmarcRecord asNone = parse("v=DMARC1; p=bogus; rua=mailto:r@example.com");
        assertThat(asNone.policy()).isEqualTo(Policy.NONE);
    }

    private static DmarcRecord parse(String input) {
        try {
            return DmarcRecord.parse(input);
        } catch (DmarcRecordException e) {
            throw new AssertionError(input + ": " + e.getMessage(), e);
        }
    }
}
