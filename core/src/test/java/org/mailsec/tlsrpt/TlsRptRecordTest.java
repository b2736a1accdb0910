package org.mailsec.tlsrpt;

import org.mailsec.record.RecordException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.testing.TestData;

class TlsRptRecordTest {

    /**
     * Vectors where mailsec follows the testdata README's decisions instead of the source suite:
     * trailing ";;" is accepted, and a repeated rua is accepted (mox) rather than refused (checkdmarc).
     */
    private static final Set<String> DECIDED_VALID = Set.of(
        "v=TLSRPTv1; rua=mailto:x@x.example;;",
        "v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com");

    static Stream<Arguments> vectors() {
        List<Arguments> out = new ArrayList<>();
        for (JsonNode v : TestData.json("tlsrpt-records/tlsrpt_record_vectors.json").get("record_vectors")) {
            String input = v.get("input").asText();
            boolean valid = DECIDED_VALID.contains(input) || v.get("expect").asText().equals("valid");
            out.add(Arguments.of(input, valid, v.get("source").asText()));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "[{2}] {0} -> valid={1}")
    @MethodSource("vectors")
    void recordVectors(String input, boolean valid, String source) {
        if (valid) {
            assertThat(parse(input).rua()).isNotEmpty();
        } else {
            assertThatThrownBy(() -> TlsRptRecord.parse(input)).isInstanceOf(RecordException.class)
                .satisfies(e -> assertThat(((RecordException) e).kind()).isEqualTo(RecordException.Kind.SYNTAX));
        }
    }

    @Test
    void escapedCommasAndSemicolonsStayInsideOneAddress() {
        TlsRptRecord r = parse("v=TLSRPTv1; rua=mailto:a%2Cb%21c%3Bd@example.com,https://r.example/x%2Cy");
        assertThat(r.rua()).hasSize(2);
        assertThat(r.mailtoAddresses()).containsExactly("a,b!c;d@example.com");
        assertThat(r.httpsEndpoints()).extracting(Object::toString).containsExactly("https://r.example/x%2Cy");
    }

    @Test
    void extensionsAreKept() {
        TlsRptRecord r = parse("v=TLSRPTv1; rua=mailto:tlsrpt@mox.example; ext=yes");
        assertThat(r.extensions()).containsEntry("ext", "yes");
        assertThat(r.toTxt()).isEqualTo("v=TLSRPTv1; rua=mailto:tlsrpt@mox.example; ext=yes");
    }

    @Test
    void emptyFieldInTheMiddleIsAnError() {
        assertThatThrownBy(() -> TlsRptRecord.parse("v=TLSRPTv1; rua=mailto:a@b.example;; ext=1"))
            .isInstanceOf(RecordException.class).hasMessageContaining("empty field");
    }

    private static TlsRptRecord parse(String input) {
        try {
            return TlsRptRecord.parse(input);
        } catch (RecordException e) {
            throw new AssertionError(input + ": " + e.getMessage(), e);
        }
    }
}
