package org.mailsec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.testing.TestData;

/** `mailsec parse` over every report in shared/testdata, checked against the folders' expected.json. */
class ParseCommandTest {

    private static List<String> files(String folder) throws Exception {
        try (Stream<Path> files = Files.list(TestData.file(folder))) {
            return files.map(Path::toString).filter(n -> !n.endsWith("expected.json") && !n.endsWith(".md")).sorted().toList();
        }
    }

    @Test
    void everyTlsReportMatchesItsExpectation() throws Exception {
        JsonNode expected = TestData.json("tlsrpt-reports/expected.json");
        List<String> files = files("tlsrpt-reports");
        CliRun run = CliRun.of(Stream.concat(Stream.of("parse"), files.stream()).toArray(String[]::new));
        assertThat(run.stderr()).isEmpty();
        assertThat(run.status()).isZero();
        assertThat(run.json()).hasSize(files.size());
        for (JsonNode line : run.json()) {
            JsonNode e = expected.get(Path.of(line.get("file").asText()).getFileName().toString());
            assertThat(line.get("kind").asText()).isEqualTo("tlsrpt");
            assertThat(line.get("organization").asText()).isEqualTo(e.get("organization").asText());
            assertThat(line.get("reportId").asText()).isEqualTo(e.get("reportId").asText());
            assertThat(line.get("totalSuccess").asLong()).isEqualTo(e.get("totalSuccess").asLong());
            assertThat(line.get("totalFailure").asLong()).isEqualTo(e.get("totalFailure").asLong());
            assertThat(line.get("policies")).hasSize(e.get("policies").asInt());
            assertThat(line.get("begin").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
            for (JsonNode p : line.get("policies")) {
                assertThat(p.has("type") && p.has("domain") && p.get("mxHost").isArray() && p.has("success")
                    && p.has("failure") && p.get("failureDetails").isArray()).isTrue();
            }
        }
    }

    @Test
    void everyDmarcReportMatchesItsExpectationAndBrokenOnesAreNamed() throws Exception {
        JsonNode expected = TestData.json("dmarc-aggregate/expected.json");
        List<String> files = files("dmarc-aggregate");
        CliRun run = CliRun.of(Stream.concat(Stream.of("parse"), files.stream()).toArray(String[]::new));
        List<String> ok = new ArrayList<>();
        for (JsonNode line : run.json()) {
            String name = Path.of(line.get("file").asText()).getFileName().toString();
            JsonNode e = expected.get(name);
            ok.add(name);
            if (!e.path("parse").asText().equals("ok")) {
                continue; // a see-note file mailsec repaired
            }
            assertThat(line.get("kind").asText()).isEqualTo("dmarc");
            assertThat(line.get("organization").asText()).isEqualTo(e.get("organization").asText());
            assertThat(line.get("reportId").asText()).isEqualTo(e.get("reportId").asText());
            assertThat(line.get("domain").asText()).isEqualTo(e.get("domain").asText());
            assertThat(line.get("messages").asLong()).isEqualTo(e.get("messages").asLong());
            assertThat(line.get("dmarcPass").asLong()).isEqualTo(e.get("dmarcPass").asLong());
            assertThat(line.get("records").asInt()).isEqualTo(e.get("records").asInt());
            assertThat(line.get("policy").has("p")).isTrue();
        }
        // Every file the expectations call parseable was parsed; the refused ones are see-note files, one line each.
        files.stream().map(f -> Path.of(f).getFileName().toString())
            .filter(n -> expected.get(n).path("parse").asText().equals("ok"))
            .forEach(n -> assertThat(ok).contains(n));
        assertThat(run.stderr()).hasSize(files.size() - run.json().size())
            .allSatisfy(l -> assertThat(l).startsWith("mailsec: ").doesNotContain("Exception").doesNotContain("\tat "));
        assertThat(run.status()).isEqualTo(run.stderr().isEmpty() ? 0 : 1);
    }

    @Test
    void aBadFileIsNamedOnStderrAndTheOthersStillParse(@TempDir Path dir) throws Exception {
        Path junk = dir.resolve("junk.bin");
        Files.write(junk, new byte[] {1, 2, 3});
        Path good = TestData.file("tlsrpt-reports/phiag_google.json");
        CliRun run = CliRun.of("parse", junk.toString(), good.toString(), dir.resolve("missing.json").toString());
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.json()).singleElement().satisfies(j -> assertThat(j.get("file").asText()).isEqualTo(good.toString()));
        assertThat(run.stderr()).containsExactly(
            "mailsec: " + junk + ": not a report: content is neither JSON, gzip, zip nor a mail",
            "mailsec: " + dir.resolve("missing.json") + ": no such file");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(CliRun.of().status()).isEqualTo(2);
        assertThat(CliRun.of("parse").status()).isEqualTo(2);
        assertThat(CliRun.of("frobnicate").status()).isEqualTo(2);
        assertThat(CliRun.of("--help").status()).isZero();
    }
}
