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
import org.mailsec.testing.LoopbackDnsServer;

/** `mailsec check` against real DNS answers from the loopback server, DNSSEC included. */
class CheckCommandTest {

    private static LoopbackDnsServer dns;
    private static Path anchors;
    private static Path signingKey;
    private static Path webPkiRoots;
    private static com.sun.net.httpserver.HttpsServer policyServer;

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
        java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        java.security.KeyPair keys = rsa.generateKeyPair();
        String publicKey = java.util.Base64.getEncoder().encodeToString(keys.getPublic().getEncoded());
        signingKey = dir.resolve("dkim.pem");
        Files.writeString(signingKey, "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes())
            .encodeToString(keys.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        dns.addZone("keyed.test", "@ MX 10 mx\nmx A 127.0.0.4\ntlsrpt._domainkey TXT \"v=DKIM1; k=rsa; p=" + publicKey + "\"\n");
        dns.addZone("keyedok.test", "@ MX 10 mx\nmx A 127.0.0.4\ntlsrpt._domainkey TXT \"v=DKIM1; k=rsa; s=tlsrpt; p="
            + publicKey + "\"\n");
        // An MTA-STS policy host on loopback, with a certificate from a root only --webpki-roots knows.
        org.mailsec.testing.TestPki.Identity root = org.mailsec.testing.TestPki.rootCa("check test root");
        policyServer = com.sun.net.httpserver.HttpsServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        policyServer.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(
            root.issueServer("mta-sts.sts.test").serverContext()));
        policyServer.createContext("/.well-known/mta-sts.txt", exchange -> {
            byte[] body = "version: STSv1\nmode: enforce\nmx: mx.sts.test\nmax_age: 86400\n".getBytes();
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        policyServer.start();
        dns.addZone("sts.test", "@ MX 10 mx\nmx A 127.0.0.5\n_mta-sts TXT \"v=STSv1; id=1\"\nmta-sts A 127.0.0.1\n");
        webPkiRoots = dir.resolve("roots.pem");
        Files.writeString(webPkiRoots, "-----BEGIN CERTIFICATE-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes())
            .encodeToString(root.certificate().getEncoded()) + "\n-----END CERTIFICATE-----\n");
        anchors = dir.resolve("anchors.txt");
        Files.writeString(anchors, dns.trustAnchorText());
    }

    @AfterAll
    static void stop() {
        policyServer.stop(0);
        dns.close();
    }

    private static JsonNode check(String domain) {
        CliRun run = CliRun.of("check", domain, "--dns", dns.hostPort(), "--trust-anchor", anchors.toString(), "--timeout", "2");
        assertThat(run.json()).hasSize(1);
        return run.json().get(0);
    }

    /** What one part of the check found. */
    private static JsonNode found(JsonNode report, String name, String subject) {
        for (JsonNode part : report.get("parts")) {
            if (part.get("name").asText().equals(name) && part.get("subject").asText().equals(subject)) {
                return part.get("found");
            }
        }
        throw new AssertionError("no part " + name + " of " + subject + " in " + report);
    }

    @Test
    void signedDomainShowsDaneAndAdvisesTheMissingPieces() {
        JsonNode r = check("secure.test");
        JsonNode mx = found(r, "mx", "secure.test");
        assertThat(mx.get("records").toString()).isEqualTo("[\"10 mx1.secure.test\",\"20 mx2.secure.test\"]");
        assertThat(mx.get("dnssec").asText()).isEqualTo("secure");
        assertThat(found(r, "starttls", "mx1.secure.test").get("addresses").get(0).asText()).isEqualTo("127.0.0.1");
        assertThat(found(r, "dane", "mx1.secure.test").get("dane").asBoolean()).isTrue();
        assertThat(found(r, "dane", "mx2.secure.test").get("dane").asBoolean()).isFalse();
        assertThat(found(r, "tlsrpt", "secure.test").get("rua").get(0).asText()).isEqualTo("mailto:tlsrpt@secure.test");
        assertThat(found(r, "dmarc", "secure.test").get("p").asText()).isEqualTo("reject");
        assertThat(r.get("warnings").toString()).as("one TLSA record: the rollover hint").contains("current + next");
        assertThat(r.get("publish").toString()).contains("_25._tcp.mx2.secure.test. IN TLSA 3 1 1")
            .contains("_mta-sts.secure.test. IN TXT \\\"v=STSv1; id=");
        assertThat(r.get("errors")).isEmpty();
    }

    @Test
    void unsignedDomainWithBrokenRecordsGetsErrorsAndExitOne() {
        CliRun run = CliRun.of("check", "plain.test", "--dns", dns.hostPort(), "--trust-anchor", anchors.toString());
        assertThat(run.status()).isEqualTo(1);
        JsonNode r = run.json().get(0);
        assertThat(found(r, "mx", "plain.test").get("dnssec").asText()).isEqualTo("insecure");
        assertThat(r.get("errors").toString()).contains("TLSRPT record");
        assertThat(r.get("warnings").toString()).contains("not DNSSEC-signed").contains("no MTA-STS");
        assertThat(r.get("publish").toString()).contains("_dmarc.plain.test. IN TXT");
    }

    @Test
    void bogusTlsaIsAnError() {
        dns.breakSignature("_25._tcp.mx1.secure.test", "TLSA");
        try {
            JsonNode r = check("secure.test");
            assertThat(found(r, "dane", "mx1.secure.test").get("dnssec").asText()).isEqualTo("bogus");
            assertThat(r.get("errors").toString()).contains("fail DNSSEC validation");
        } finally {
            dns.heal();
        }
    }

    /** RFC 8460 §3: the report signing key's record needs s=tlsrpt; check says so and gives the record to publish. */
    @Test
    void theReportSigningKeyRecordIsCheckedAndGivenWithItsServiceType() throws Exception {
        String expected = "v=DKIM1; k=rsa; s=tlsrpt; p=" + java.util.Base64.getEncoder().encodeToString(
            org.mailsec.tlsrpt.ReportSigningKey.publicKey(org.mailsec.tlsrpt.ReportSigningKey.readPem(Files.readString(signingKey)))
                .getEncoded());
        for (String domain : new String[] {"keyed.test", "plain.test"}) {
            JsonNode r = CliRun.of("check", domain, "--dns", dns.hostPort(), "--trust-anchor", anchors.toString(), "--timeout",
                "2", "--report-dkim-key", signingKey.toString()).json().get(0);
            assertThat(r.get("publish").toString()).as(domain)
                .contains("tlsrpt._domainkey." + domain + ". IN TXT \\\"" + expected + "\\\"");
        }
        JsonNode missingServiceType = CliRun.of("check", "keyed.test", "--dns", dns.hostPort(), "--trust-anchor",
            anchors.toString(), "--timeout", "2").json().get(0);
        assertThat(missingServiceType.get("warnings").toString()).contains("s=tlsrpt");
        JsonNode ok = CliRun.of("check", "keyedok.test", "--dns", dns.hostPort(), "--trust-anchor", anchors.toString(),
            "--timeout", "2", "--report-dkim-key", signingKey.toString()).json().get(0);
        assertThat(ok.get("warnings").toString()).doesNotContain("report DKIM key");
        assertThat(ok.get("publish").toString()).doesNotContain("_domainkey");
    }

    /** --webpki-roots is what the server's mailsec.tls.webpki.roots is: the policy host's certificate checks against it. */
    @Test
    void webPkiRootsDecideWhetherThePolicyHostIsTrusted() {
        String port = String.valueOf(policyServer.getAddress().getPort());
        JsonNode trusted = CliRun.of("check", "sts.test", "--dns", dns.hostPort(), "--trust-anchor", anchors.toString(),
            "--timeout", "2", "--allow", "127.0.0.0/8", "--mta-sts-port", port, "--webpki-roots", webPkiRoots.toString())
            .json().get(0);
        assertThat(found(trusted, "mta-sts", "sts.test").get("mode").asText()).isEqualTo("enforce");
        JsonNode jdkRoots = CliRun.of("check", "sts.test", "--dns", dns.hostPort(), "--trust-anchor", anchors.toString(),
            "--timeout", "2", "--allow", "127.0.0.0/8", "--mta-sts-port", port).json().get(0);
        assertThat(jdkRoots.get("errors").toString()).contains("unusable");
        JsonNode refused = CliRun.of("check", "sts.test", "--dns", dns.hostPort(), "--trust-anchor", anchors.toString(),
            "--timeout", "2", "--mta-sts-port", port, "--webpki-roots", webPkiRoots.toString()).json().get(0);
        assertThat(found(refused, "mta-sts", "sts.test").get("reason").asText()).isEqualTo("refused-address");
        CliRun empty = CliRun.of("check", "sts.test", "--webpki-roots", anchors.toString());
        assertThat(empty.status()).isEqualTo(1);
        assertThat(empty.stderr().toString()).contains("no certificate");
    }
}
