package org.mailsec.tlsrpt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.testing.TestData;

/** Every real TLS report in shared/testdata parses to what its expected.json says. */
class TlsReportConformanceTest {

    private static final JsonNode EXPECTED = TestData.json("tlsrpt-reports/expected.json");

    static Stream<String> reportFiles() throws Exception {
        try (Stream<Path> files = Files.list(TestData.file("tlsrpt-reports"))) {
            return files.map(p -> p.getFileName().toString())
                .filter(n -> !n.equals("expected.json") && !n.equals("PROVENANCE.md")).sorted().toList().stream();
        }
    }

    @Test
    void everyFileHasAnExpectation() throws Exception {
        assertThat(reportFiles().toList()).hasSizeGreaterThanOrEqualTo(36)
            .allSatisfy(name -> assertThat(EXPECTED.has(name)).as(name).isTrue());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reportFiles")
    void parsesAsExpected(String name) throws Exception {
        JsonNode expected = EXPECTED.get(name);
        assertThat(expected.path("parse").asText()).isEqualTo("ok");
        List<TlsReport> reports = new TlsReportReader().read(Files.readAllBytes(TestData.file("tlsrpt-reports/" + name)), name);
        assertThat(reports).hasSize(1);
        TlsReport report = reports.get(0);
        assertThat(report.organizationName()).isEqualTo(expected.get("organization").asText());
        assertThat(report.reportId()).isEqualTo(expected.get("reportId").asText());
        assertThat(report.totalSuccess()).isEqualTo(expected.get("totalSuccess").asLong());
        assertThat(report.totalFailure()).isEqualTo(expected.get("totalFailure").asLong());
        assertThat(report.policies()).hasSize(expected.get("policies").asInt());
        List<String> types = new ArrayList<>();
        expected.get("policyTypes").forEach(t -> types.add(t.asText()));
        assertThat(report.policies().stream().map(p -> p.policy().type()).distinct().sorted().toList())
            .isEqualTo(types.stream().distinct().sorted().toList());
        assertThat(report.start()).isBefore(report.end());
    }
}
