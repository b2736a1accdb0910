package org.mailsec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The README's run command, for real: the packaged ./mailsec script on the sample reports. */
class MailsecScriptIT {

    private static final Path ROOT = Path.of(System.getProperty("mailsec.root", "..")).toAbsolutePath().normalize();

    @Test
    void parsesTheSamplesAndRefusesTheNonReport() throws Exception {
        Process p = new ProcessBuilder(List.of(ROOT.resolve("mailsec").toString(), "parse",
            "samples/tlsrpt-example.net-2026-11-20.json", "samples/dmarc-example.net-2026-11-20.xml", "samples/not-a-report.txt"))
            .directory(ROOT.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(out.lines()).hasSize(2);
        assertThat(out).contains("\"kind\":\"tlsrpt\"").contains("\"totalFailure\":7").contains("\"kind\":\"dmarc\"")
            .contains("\"messages\":157");
        assertThat(err.strip()).isEqualTo("mailsec: samples/not-a-report.txt: not a report: content is neither JSON, gzip, zip nor a mail");
    }
}
