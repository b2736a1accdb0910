package org.mailsec.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.james.dnsservice.api.DNSService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.testing.DkimKeys;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.testing.LoopbackMx;
import org.mailsec.testing.PolicyHttpsServer;
import org.mailsec.testing.TestPki;

/**
 * {@code GET /mailsec/domains/{domain}/check} on a real James against signed zones on the loopback DNS server, loopback
 * MX hosts with a good, an expired and a wrongly named certificate, and a loopback MTA-STS policy server: each fault is
 * reported when, and only when, it is there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DomainCheckEndToEndTest {

    private final List<LoopbackMx> mxHosts = new ArrayList<>();
    private LoopbackDnsServer dns;
    private PolicyHttpsServer https;
    private MailsecServer james;
    private TestPki.Identity good;
    private TestPki.Identity next;
    private int mxPort;

    @BeforeAll
    void boot(@TempDir Path tmp) throws Exception {
        TestPki.Identity root = TestPki.rootCa("domain check root");
        good = root.issueServer("mx.good.test", "mx2.good.test");
        next = root.issueServer("mx.good.test");
        int port = LoopbackMx.freePort();
        mxPort = port;
        mxHosts.add(LoopbackMx.start("127.0.0.2", port, good.serverContext()));
        mxHosts.add(LoopbackMx.start("127.0.0.3", port, root.issueExpired("mx.expired.test").serverContext()));
        mxHosts.add(LoopbackMx.start("127.0.0.4", port, root.issueServer("other.example").serverContext()));
        // One MX host on two addresses, the IPv6 one with a certificate that has expired.
        mxHosts.add(LoopbackMx.start("127.0.0.5", port, root.issueServer("mx.twofaced.test").serverContext()));
        mxHosts.add(LoopbackMx.start("::1", port, root.issueExpired("mx.twofaced.test").serverContext()));
        https = new PolicyHttpsServer(root.issueServer("mta-sts.good.test", "mta-sts.expired.test",
            "mta-sts.wrongname.test", "mta-sts.stale.test", "mta-sts.twofaced.test"), Map.of());
        policy("good.test", "mx: mx.good.test");
        policy("expired.test", "mx: mx.expired.test");
        policy("wrongname.test", "mx: mx.wrongname.test");
        policy("stale.test", "mx: mx2.good.test\r\nmx: old.stale.test");
        policy("twofaced.test", "mx: mx.twofaced.test");

        KeyPair reportKey = DkimKeys.generate();
        String tlsa = "_" + port + "._tcp";
        String soa = "@ SOA ns hostmaster 1 3600 600 86400 300\n";
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("good.test", soa + wellKept("good.test") + """
            @ MX 10 mx
            mx A 127.0.0.2
            mx2 A 127.0.0.2
            %s.mx TLSA 3 1 1 %s
            %s.mx TLSA 3 1 1 %s
            %s.mx2 TLSA 3 1 1 %s
            _smtp._tls.mx TXT "v=TLSRPTv1; rua=mailto:tlsrpt@good.test"
            _smtp._tls.mx2 TXT "v=TLSRPTv1; rua=mailto:tlsrpt@good.test"
            tlsrpt._domainkey TXT %s
            expired.test._report._dmarc TXT "v=DMARC1"
            wrongname.test._report._dmarc TXT "v=DMARC1"
            twofaced.test._report._dmarc TXT "v=DMARC1"
            stale.test._report._dmarc TXT "v=DMARC1"
            """.formatted(tlsa, hex(good), tlsa, hex(next), tlsa, hex(next),
            DkimKeys.zoneRecord(reportKey).replace("k=rsa;", "k=rsa; s=tlsrpt;")));
        dns.addSignedZone("expired.test", soa + wellKept("expired.test") + "@ MX 10 mx\nmx A 127.0.0.3\n");
        dns.addSignedZone("wrongname.test", soa + wellKept("wrongname.test") + "@ MX 10 mx\nmx A 127.0.0.4\n");
        dns.addSignedZone("stale.test", soa + wellKept("stale.test") + "@ MX 10 mx2.good.test.\n");
        dns.addSignedZone("twofaced.test", soa + wellKept("twofaced.test") + "@ MX 10 mx\nmx A 127.0.0.5\nmx AAAA ::1\n");
        dns.addZone("bare.test", "@ MX 10 mx\nmx A 127.0.0.2\n");

        Path anchors = Files.writeString(tmp.resolve("anchors.txt"), dns.trustAnchorText());
        Path roots = Files.writeString(tmp.resolve("roots.pem"), E2e.pem(root.certificate()));
        Path keyFile = Files.writeString(tmp.resolve("report-key.pem"), DkimKeys.privateKeyPem(reportKey));
        Path conf = E2e.configuration(tmp, E2e.pairs(
            "mailsec.dns.servers", dns.hostPort(),
            "mailsec.dns.trust.anchors", anchors.toString(),
            "mailsec.net.allowed", "127.0.0.0/8,::1/128",
            "mailsec.delivery.smtp.port", String.valueOf(port),
            "mailsec.tls.webpki.roots", roots.toString(),
            "mailsec.mtasts.https.port", String.valueOf(https.port()),
            "mailsec.dmarc.report.addresses", "dmarc@good.test",
            "mailsec.reports.submitter", "good.test",
            "mailsec.reports.dkim.domain", "good.test",
            "mailsec.reports.dkim.selector", "tlsrpt",
            "mailsec.reports.dkim.key", keyFile.toString(),
            "mailsec.dane.next.key", Files.writeString(tmp.resolve("next.pem"), E2e.pem(next.certificate())).toString()),
            Optional.empty());
        var jamesDns = E2e.jamesDns();
        james = MailsecServer.start(conf, tmp.resolve("james"), binder -> binder.bind(DNSService.class).toInstance(jamesDns));
    }

    /** A domain's records but MX: MTA-STS, TLSRPT, DMARC with our report address, SPF. */
    private static String wellKept(String domain) {
        return """
            @ TXT "v=spf1 mx -all"
            _mta-sts TXT "v=STSv1; id=20261204"
            mta-sts A 127.0.0.1
            _smtp._tls TXT "v=TLSRPTv1; rua=mailto:tlsrpt@%s"
            _dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good.test"
            """.formatted(domain);
    }

    private void policy(String domain, String mx) {
        https.answer(domain, PolicyHttpsServer.Answer.policy(
            "version: STSv1\r\nmode: enforce\r\n" + mx + "\r\nmax_age: 604800\r\n"));
    }

    private static String hex(TestPki.Identity identity) {
        return E2e.hex(TestPki.tlsa(3, 1, 1, identity.certificate()));
    }

    @AfterAll
    void stop() {
        if (james != null) {
            james.close();
        }
        mxHosts.forEach(LoopbackMx::close);
        if (https != null) {
            https.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    private JsonNode check(String domain) throws Exception {
        return E2e.get(james.webAdminPort(), "/mailsec/domains/" + domain + "/check");
    }

    private static JsonNode part(JsonNode check, String name, String subject) {
        for (JsonNode part : check.get("parts")) {
            if (part.get("name").asText().equals(name) && part.get("subject").asText().equals(subject)) {
                return part;
            }
        }
        throw new AssertionError("no part " + name + " of " + subject + " in " + check);
    }

    @Test
    void aWellKeptDomainHasNothingToFix() throws Exception {
        JsonNode check = check("good.test");
        assertThat(check.get("errors")).as(check.toString()).isEmpty();
        assertThat(check.get("warnings")).as(check.toString()).isEmpty();
        assertThat(check.get("status").asText()).isEqualTo("ok");
        JsonNode starttls = part(check, "starttls", "mx.good.test").get("found");
        assertThat(starttls.get("webPkiValid").asBoolean()).isTrue();
        assertThat(starttls.get("tls").asText()).startsWith("TLSv1.3");
        assertThat(starttls.get("daysLeft").asLong()).isBetween(28L, 30L);
        JsonNode dane = part(check, "dane", "mx.good.test").get("found");
        assertThat(dane.get("dane").asBoolean()).isTrue();
        assertThat(dane.get("usable").asInt()).isEqualTo(2);
        assertThat(dane.get("matched").asText()).startsWith("3 1 1 ");
        assertThat(part(check, "mta-sts", "good.test").get("found").get("mode").asText()).isEqualTo("enforce");
        assertThat(part(check, "report-dkim-key", "tlsrpt._domainkey.good.test").get("status").asText()).isEqualTo("ok");
    }

    @Test
    void anExpiredCertificateIsTheOneError() throws Exception {
        JsonNode check = check("expired.test");
        assertThat(check.get("errors")).as(check.toString()).hasSize(1);
        assertThat(check.get("errors").get(0).asText()).contains("certificate of mx.expired.test expired");
        assertThat(part(check, "starttls", "mx.expired.test").get("status").asText()).isEqualTo("error");
        // Signed MX, no TLSA: the record to publish, made from the key the host presented.
        assertThat(part(check, "dane", "mx.expired.test").get("instructions").get(0).asText())
            .matches("_[0-9]+\\._tcp\\.mx\\.expired\\.test\\. IN TLSA 3 1 1 [0-9a-f]{64}");
    }

    @Test
    void aCertificateForAnotherNameIsTheOneError() throws Exception {
        JsonNode check = check("wrongname.test");
        assertThat(check.get("errors")).as(check.toString()).hasSize(1);
        assertThat(check.get("errors").get(0).asText()).contains("names [other.example], not mx.wrongname.test");
    }

    @Test
    void eachAddressOfAnMxHostIsJudgedOnItsOwn() throws Exception {
        JsonNode check = check("twofaced.test");
        assertThat(check.get("errors")).as(check.toString()).hasSize(1);
        assertThat(check.get("errors").get(0).asText()).contains("certificate of mx.twofaced.test at 0:0:0:0:0:0:0:1 expired");
        assertThat(part(check, "starttls", "mx.twofaced.test").get("found").get("probed").toString())
            .contains("127.0.0.5").contains("0:0:0:0:0:0:0:1");
    }

    @Test
    void aCertificateMatchingNoTlsaAndAStalePolicyPattern() throws Exception {
        JsonNode check = check("stale.test");
        // mx2.good.test presents the key of mx.good.test; its TLSA record is the next key's only.
        assertThat(check.get("errors")).as(check.toString()).hasSize(1);
        assertThat(check.get("errors").get(0).asText()).contains("matches no TLSA record");
        assertThat(check.get("warnings").toString()).contains("allows old.stale.test, which no MX record names")
            .contains("one usable TLSA record only");
        assertThat(part(check, "mta-sts", "stale.test").get("status").asText()).isEqualTo("warning");
    }

    @Test
    void aBareDomainIsToldWhatToPublish() throws Exception {
        JsonNode check = check("bare.test");
        assertThat(check.get("warnings").toString()).contains("not DNSSEC-signed").contains("no MTA-STS")
            .contains("no TLSRPT record").contains("no DMARC record").contains("no SPF record");
        assertThat(check.get("instructions").toString()).contains("_mta-sts.bare.test. IN TXT")
            .contains("_smtp._tls.bare.test. IN TXT").contains("_dmarc.bare.test. IN TXT").contains("mailto:dmarc@good.test")
            .contains("bare.test. IN TXT \\\"v=spf1 mx -all\\\"");
        // Unsigned: no DANE, so the certificate's name (mx.good.test) is an error for MTA-STS senders.
        assertThat(check.get("errors").toString()).contains("not mx.bare.test");
    }

    @Test
    void theRecordsToPublishHaveTheKeysTheMxPresentsNowAndNext() throws Exception {
        assertThat(E2e.put(james.webAdminPort(), "/domains/good.test", "").statusCode()).isEqualTo(204);
        JsonNode records = E2e.get(james.webAdminPort(), "/mailsec/domains/good.test/records");
        String tlsa = "_" + mxPort + "._tcp.mx.good.test. IN TLSA 3 1 1 ";
        assertThat(records.get("records").toString()).contains(tlsa + hex(good)).contains(tlsa + hex(next))
            .contains("tlsrpt._domainkey.good.test. IN TXT \\\"v=DKIM1; k=rsa; s=tlsrpt; p=")
            .contains("_dmarc.good.test. IN TXT \\\"v=DMARC1; p=none; rua=mailto:dmarc@good.test\\\"");
        // A DKIM key's TXT data is longer than one character-string may be: split, every piece at most 255.
        String dkim = records.get("zone").asText().lines().filter(l -> l.startsWith("tlsrpt._domainkey")).findFirst()
            .orElseThrow();
        assertThat(dkim.substring(dkim.indexOf('"')).split("\" \"")).allMatch(piece -> piece.length() <= 257);
    }

    @Test
    void everyJamesDomainIsChecked() throws Exception {
        JsonNode all = E2e.get(james.webAdminPort(), "/mailsec/domains/check");
        JsonNode domains = E2e.get(james.webAdminPort(), "/domains");
        assertThat(all).hasSize(domains.size());
        assertThat(all.get(0).get("parts").size()).isPositive();
    }

    @Test
    void aNameThatIsNoDomainIsA400() throws Exception {
        for (String bad : List.of("a..b", "-x.test", "x_y.test", "a".repeat(64) + ".test")) {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + james.webAdminPort() + "/mailsec/domains/" + bad + "/check")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(bad).isEqualTo(400);
            assertThat(E2e.JSON.readTree(response.body()).get("type").asText()).isEqualTo("InvalidArgument");
        }
    }
}
