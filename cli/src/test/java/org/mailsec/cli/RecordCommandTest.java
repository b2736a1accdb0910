package org.mailsec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.testing.TestData;

class RecordCommandTest {

    @Test
    void tlsrpt() {
        CliRun run = CliRun.of("record", "tlsrpt", "v=TLSRPTv1; rua=mailto:a%2Cb@example.com,https://r.example.com/t");
        assertThat(run.status()).isZero();
        assertThat(run.json().get(0).get("mailto").get(0).asText()).isEqualTo("a,b@example.com");
        assertThat(run.json().get(0).get("https").get(0).asText()).isEqualTo("https://r.example.com/t");
    }

    @Test
    void mtaStsRecordAndPolicyFromFile() {
        assertThat(CliRun.of("record", "mta-sts", "v=STSv1; id=20261122").json().get(0).get("id").asText()).isEqualTo("20261122");
        CliRun policy = CliRun.of("record", "mta-sts-policy", "@" + TestData.file("mta-sts/policies/mox_good_01.txt"));
        assertThat(policy.status()).isZero();
        assertThat(policy.json().get(0).get("mode").asText()).isEqualTo("testing");
        assertThat(policy.json().get(0).get("maxAge").asLong()).isPositive();
    }

    @Test
    void dmarcShowsDefaults() {
        CliRun run = CliRun.of("record", "dmarc", "v=DMARC1; p=reject");
        assertThat(run.json().get(0).get("sp").asText()).isEqualTo("reject");
        assertThat(run.json().get(0).get("adkim").asText()).isEqualTo("r");
        assertThat(run.json().get(0).get("pct").asInt()).isEqualTo(100);
    }

    @Test
    void aDmarcRecordWithABadTermKeepsItsPolicyAndShowsTheWarning() {
        CliRun run = CliRun.of("record", "dmarc", "v=DMARC1; p=reject; pct=150; adkim=x");
        assertThat(run.status()).isZero();
        assertThat(run.json().get(0).get("p").asText()).isEqualTo("reject");
        assertThat(run.json().get(0).get("pct").asInt()).isEqualTo(100);
        assertThat(run.json().get(0).get("warnings").toString()).contains("pct 150", "invalid adkim 'x'");
    }

    @Test
    void errorsGiveKindAndReasonOnStderr(@TempDir Path dir) throws Exception {
        CliRun run = CliRun.of("record", "dmarc", "v=DMARC1; p=maybe");
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.json()).isEmpty();
        assertThat(run.stderr()).containsExactly("mailsec: syntax: invalid p 'maybe'");
        Path policy = dir.resolve("p.txt");
        Files.writeString(policy, "version: STSv1\nmode: enforce\nmax_age: 10\n");
        assertThat(CliRun.of("record", "mta-sts-policy", "@" + policy).stderr())
            .containsExactly("mailsec: syntax: mode enforce needs at least one mx");
        assertThat(CliRun.of("record", "tlsrpt", "v=TLSRPTv1").stderr()).containsExactly("mailsec: syntax: missing rua");
        assertThat(CliRun.of("record", "spf", "x").status()).isEqualTo(2);
    }
}
