package org.mailsec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.dns.testing.LoopbackDnsServer;

/** `mailsec check` against real DNS answers from the loopback server, DNSSEC included. */
class CheckCommandTest {

    private static LoopbackDnsServer dns;
    private static Path anchors;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        dns = LoopbackDnsServer.start();
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[] {1}));
        dns.addSignedZone("secure.test", """
            @ MX 10 mx1
            @ MX 20 mx2
            mx1 A 127.0.0.1
            mx2 A 127.0.0.2
            _25._tcp.mx1 TLSA 3 1 1 %s
            _smtp._tls TXT "v=TLSRPTv1; rua=mailto:tlsrpt@secure.test"
            _dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@secure.test"
            """.formatted(digest));
        dns.addZone("plain.test", """
            @ MX 10 mx.plain.test.
            mx A 127.0.0.3
            _smtp._tls TXT "v=TLSRPTv1"
            """);
        anchors = dir.resolve("anchors.txt");
        Files.writeString(anchors, dns.trustAnchorText());
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    private static JsonNode check(String domain) {
        CliRun run = CliRun.of("check", domain, "--dns", dns.hostPort(), "--trust-anchor", anchors.toString(), "--timeout", "2");
        assertThat(run.json()).hasSize(1);
        return run.json().get(0);
    }

    @Test
    void signedDomainShowsDaneAndAdvisesTheMissingPieces() {
        JsonNode r = check("secure.test");
        assertThat(r.get("mx")).hasSize(2);
        JsonNode mx1 = r.get("mx").get(0);
        assertThat(mx1.get("host").asText()).isEqualTo("mx1.secure.test");
        assertThat(mx1.get("dnssec").asText()).isEqualTo("secure");
        assertThat(mx1.get("addresses").get(0).asText()).isEqualTo("127.0.0.1");
        assertThat(mx1.get("tlsa").get("dane").asBoolean()).isTrue();
        assertThat(r.get("mx").get(1).get("tlsa").get("dane").asBoolean()).isFalse();
        assertThat(r.get("tlsrpt").get("record").get("mailto").get(0).asText()).isEqualTo("tlsrpt@secure.test");
        assertThat(r.get("dmarc").get("record").get("p").asText()).isEqualTo("reject");
        assertThat(r.get("publish").toString()).contains("_25._tcp.mx2.secure.test. IN TLSA 3 1 1")
            .contains("_mta-sts.secure.test. IN TXT \\\"v=STSv1; id=");
        assertThat(r.get("errors")).isEmpty();
    }

    @Test
    void unsignedDomainWithBrokenRecordsGetsErrorsAndExitOne() {
        CliRun run = CliRun.of("check", "plain.test", "--dns", dns.hostPort(), "--trust-anchor", anchors.toString());
        assertThat(run.status()).isEqualTo(1);
        JsonNode r = run.json().get(0);
        assertThat(r.get("mx").get(0).get("dnssec").asText()).isEqualTo("insecure");
        assertThat(r.get("errors").toString()).contains("TLSRPT record");
        assertThat(r.get("warnings").toString()).contains("not DNSSEC-signed").contains("no MTA-STS");
        assertThat(r.get("publish").toString()).contains("_dmarc.plain.test. IN TXT");
    }

    @Test
    void bogusTlsaIsAnError() {
        dns.breakSignature("_25._tcp.mx1.secure.test", "TLSA");
        try {
            JsonNode r = check("secure.test");
            assertThat(r.get("mx").get(0).get("tlsa").get("dnssec").asText()).isEqualTo("bogus");
            assertThat(r.get("errors").toString()).contains("fails DNSSEC validation");
        } finally {
            dns.heal();
        }
    }
}
