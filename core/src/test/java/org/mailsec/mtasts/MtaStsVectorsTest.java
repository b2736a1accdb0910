package org.mailsec.mtasts;

import org.mailsec.record.RecordException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.mtasts.MtaStsPolicy.Mode;
import org.mailsec.testing.TestData;

/** The record and policy vectors of shared/testdata/mta-sts. */
class MtaStsVectorsTest {

    /** Where suites disagree, mailsec's decision (testdata README): trailing ";;" is accepted. */
    private static final Set<String> RECORDS_DECIDED_VALID = Set.of("v=STSv1; id=a;;");

    /**
     * Policy bodies whose expectation is mailsec's, not the source suite's (README "MTA-STS decisions"):
     * Content-Type and HTTP status are not properties of the body (tested over HTTPS instead), RFC 8461's
     * grammar requires a numeric max_age (mimecast defaults or warns), the first occurrence of a field wins (checkdmarc
     * refuses), unknown fields are ignored (checkdmarc refuses), no final newline is fine (mimecast refuses),
     * and mode none with mx lines is a valid policy (mimecast calls it not enforceable).
     */
    private static final Map<String, Boolean> POLICY_DECISIONS = Map.ofEntries(
        Map.entry("snawoot_bad-policy3", true),
        Map.entry("snawoot_bad-policy4", true),
        Map.entry("mimecast_empty_max_age", false),
        Map.entry("mimecast_missing_max_age", false),
        Map.entry("mimecast_max_age_twenty", false),
        Map.entry("mimecast_over_max_no_eol", false),
        Map.entry("mimecast_under_min_no_eol", true),
        Map.entry("mimecast_mode_none_with_mx", true),
        Map.entry("mimecast_duplicate_mode3", true),
        Map.entry("checkdmarc_duplicate_mode", true),
        Map.entry("checkdmarc_unknown_key", true));

    /** Cases about HTTP or TLS rather than the body: covered by MtaStsPolicyFetcherTest. */
    private static boolean aboutTransport(JsonNode c) {
        JsonNode http = c.path("http");
        return http.has("tls") || http.path("status").asInt(200) != 200 || c.get("id").asText().contains("overlength")
            || c.get("id").asText().equals("mox_http_oversize");
    }

    static Stream<Arguments> records() {
        List<Arguments> out = new ArrayList<>();
        for (JsonNode v : TestData.json("mta-sts/mta_sts_record_vectors.json").get("record_vectors")) {
            String input = v.get("input").asText();
            String expect = v.get("expect").asText();
            out.add(Arguments.of(input, RECORDS_DECIDED_VALID.contains(input) || expect.startsWith("valid")));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} -> valid={1}")
    @MethodSource("records")
    void recordVectors(String input, boolean valid) {
        if (valid) {
            try {
                assertThat(MtaStsRecord.parse(input).id()).isNotEmpty();
            } catch (RecordException e) {
                throw new AssertionError(input + ": " + e.getMessage(), e);
            }
        } else {
            assertThatThrownBy(() -> MtaStsRecord.parse(input)).isInstanceOf(RecordException.class);
        }
    }

    /** RFC 8461 §3.1: a record that does not begin with v=STSv1 is discarded; only spaces and tabs separate fields. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {" v=STSv1; id=1", "\tv=STSv1; id=1", "v=STSv1;\r\nid=1",
        "v=STSv1; id=1\n", "v=STSv1;\nid=1", "\"v=STSv1; id=1\r\n\"", "v=STSv1;\u000Bid=1", "v=STSv1;\u2028id=1",
        "v=STSv10; id=1"})
    void leadingWhitespaceOrALineBreakMakesNoRecord(String input) throws RecordException {
        assertThatThrownBy(() -> MtaStsRecord.parse(input)).isInstanceOf(RecordException.class);
        if (Character.isWhitespace(input.charAt(0)) || input.startsWith("v=STSv10")) {
            assertThat(MtaStsRecord.looksLikeMtaSts(input)).as("discarded, so not one of several records").isFalse();
        }
        assertThat(MtaStsRecord.parse("v=STSv1;\tid=1 ").id()).isEqualTo("1");
    }

    static Stream<Arguments> policies() {
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : TestData.json("mta-sts/mta_sts_policy_vectors.json").get("cases")) {
            if (aboutTransport(c)) {
                continue;
            }
            String id = c.get("id").asText();
            String expect = c.get("expect_by_source").asText();
            boolean valid = POLICY_DECISIONS.containsKey(id) ? POLICY_DECISIONS.get(id)
                : expect.toLowerCase().startsWith("valid");
            out.add(Arguments.of(id, c.get("file").asText(), valid));
        }
        assertThat(out).hasSizeGreaterThan(70);
        return out.stream();
    }

    @ParameterizedTest(name = "{0} -> valid={2}")
    @MethodSource("policies")
    void policyVectors(String id, String file, boolean valid) throws Exception {
        byte[] body = Files.readAllBytes(TestData.file("mta-sts/policies/" + file));
        if (valid) {
            try {
                assertThat(MtaStsPolicy.parse(body).mode()).isNotNull();
            } catch (RecordException e) {
                throw new AssertionError(id + ": " + e.getMessage(), e);
            }
        } else {
            assertThatThrownBy(() -> MtaStsPolicy.parse(body)).as(id).isInstanceOf(RecordException.class);
        }
    }

    @Test
    void firstOccurrenceWins() throws Exception {
        MtaStsPolicy p = MtaStsPolicy.parse(Files.readAllBytes(TestData.file("mta-sts/policies/mimecast_duplicate_mode1.txt")));
        assertThat(p.mode()).isEqualTo(Mode.ENFORCE);
        assertThat(p.warnings()).anySatisfy(w -> assertThat(w).contains("mode repeated"));
    }

    @Test
    void wildcardMatchesExactlyOneLabel() throws Exception {
        MtaStsPolicy p = MtaStsPolicy.parse(Files.readAllBytes(TestData.file("mta-sts/policies/mimecast_wildcard_enforce.txt")));
        assertThat(p.matches("service-alpha-inbound-a.mimecast.com")).isTrue();
        assertThat(p.matches("mimecast.net")).isFalse();
        MtaStsPolicy q = MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: *.example.com\nmx: mx.other.example\nmax_age: 86400\n");
        assertThat(q.matches("a.example.com")).isTrue();
        assertThat(q.matches("A.Example.COM.")).isTrue();
        assertThat(q.matches("example.com")).isFalse();
        assertThat(q.matches("a.b.example.com")).isFalse();
        assertThat(q.matches("mx.other.example")).isTrue();
        assertThat(q.matches("x.mx.other.example")).isFalse();
    }

    @Test
    void policyLinesAreCanonical() throws Exception {
        MtaStsPolicy p = MtaStsPolicy.parse("version: STSv1\r\nmode: testing\r\nmx: MX.Example.com\r\nmax_age: 604800");
        assertThat(p.lines()).containsExactly("version: STSv1", "mode: testing", "mx: mx.example.com", "max_age: 604800");
    }
}
