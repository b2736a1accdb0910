package org.mailsec.dmarc.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.io.RejectedInputException;
import org.mailsec.testing.TestData;

/** Every DMARC aggregate report in shared/testdata reads as its expected.json says. */
class AggregateReportConformanceTest {

    private static final JsonNode EXPECTED = TestData.json("dmarc-aggregate/expected.json");

    static Stream<String> files() throws Exception {
        try (Stream<Path> files = Files.list(TestData.file("dmarc-aggregate"))) {
            return files.map(p -> p.getFileName().toString())
                .filter(n -> !n.equals("expected.json") && !n.equals("PROVENANCE.md")).sorted().toList().stream();
        }
    }

    static Stream<String> okFiles() throws Exception {
        return files().filter(n -> EXPECTED.get(n).path("parse").asText().equals("ok"));
    }

    @Test
    void everyFileHasAnExpectation() throws Exception {
        assertThat(files().toList()).hasSizeGreaterThanOrEqualTo(60)
            .allSatisfy(n -> assertThat(EXPECTED.has(n)).as(n).isTrue());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("okFiles")
    void readsAsExpected(String name) throws Exception {
        JsonNode expected = EXPECTED.get(name);
        AggregateReport report = readOne(name);
        assertThat(report.metadata().orgName()).isEqualTo(expected.get("organization").asText());
        assertThat(report.metadata().reportId()).isEqualTo(expected.get("reportId").asText());
        assertThat(report.policy().domain()).isEqualTo(expected.get("domain").asText());
        assertThat(report.records()).hasSize(expected.get("records").asInt());
        assertThat(report.messages()).isEqualTo(expected.get("messages").asLong());
        assertThat(report.dmarcPassMessages()).isEqualTo(expected.get("dmarcPass").asLong());
    }

    /** XML 1.0 Appendix F: a report in UTF-16 (with or without a byte order mark) reads as its UTF-8 original. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"UTF-16BE bom", "UTF-16LE bom", "UTF-16BE", "UTF-16LE"})
    void utf16ReportsReadAsTheirUtf8Original(String encoding) throws Exception {
        String name = "cryinc_google.xml";
        String text = Files.readString(TestData.file("dmarc-aggregate/" + name))
            .replace("encoding=\"UTF-8\"", "encoding=\"UTF-16\"") + "<!-- \u00e9t\u00e9 -->";
        String charset = encoding.split(" ")[0];
        byte[] body = (encoding.endsWith("bom") ? "\uFEFF" + text : text).getBytes(java.nio.charset.Charset.forName(charset));
        AggregateReport original = readOne(name);
        AggregateReport utf16 = new AggregateReportReader().read(body, "report.xml").get(0);
        assertThat(utf16).isEqualTo(original);
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(body);
        }
        assertThat(new AggregateReportReader().read(gz.toByteArray(), "report.xml.gz").get(0)).isEqualTo(original);
    }

    @Test
    void emptyFileIsRejected() {
        assertThatThrownBy(() -> readOne("parsedmarc_empty.xml")).isInstanceOf(RejectedInputException.class)
            .hasMessageContaining("empty");
    }

    @Test
    void brokenWrapperIsRepaired() throws Exception {
        AggregateReport report = readOne("parsedmarc_ikea.com!example.de!1538690400!1538776800.xml");
        assertThat(report.metadata().orgName()).isEqualTo("ikea.com");
        assertThat(report.policy().domain()).isEqualTo("example.de");
    }

    @Test
    void invalidUtf8IsRepairedWithReplacementCharacters() throws Exception {
        AggregateReport report = readOne("parsedmarc_invalid_utf_8.xml");
        assertThat(report.metadata().reportId()).isNotBlank();
        assertThat(report.records()).isNotEmpty();
    }

    @Test
    void unescapedLessThanIsRejectedWithTheLine() {
        assertThatThrownBy(() -> readOne("parsedmarc_invalid_xml.xml")).isInstanceOf(RejectedInputException.class)
            .hasMessageContaining("invalid XML at line");
    }

    @Test
    void gzipWithTrailingBytesInAMailIsRead() throws Exception {
        AggregateReport report = readOne("parsedmarc_mimecast-weird-gzip.eml");
        assertThat(report.metadata().reportId()).isNotBlank();
        assertThat(report.messages()).isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("okFiles")
    void writtenXmlReadsBackTheSame(String name) throws Exception {
        AggregateReport report = readOne(name);
        for (boolean rfc9990 : new boolean[] {false, true}) {
            AggregateReport again = AggregateReportXml.read(AggregateReportXml.write(report, rfc9990));
            // RFC 7489's format has no <generator>: only RFC 9990's carries it.
            assertThat(again.metadata()).usingRecursiveComparison()
                .ignoringFields(rfc9990 ? new String[0] : new String[] {"generator"}).isEqualTo(report.metadata());
            assertThat(again.records()).isEqualTo(report.records());
            assertThat(again.policy().domain()).isEqualTo(report.policy().domain());
        }
    }

    private static AggregateReport readOne(String name) throws Exception {
        List<AggregateReport> reports = new AggregateReportReader()
            .read(Files.readAllBytes(TestData.file("dmarc-aggregate/" + name)), name);
        assertThat(reports).hasSize(1);
        return reports.get(0);
    }
}
