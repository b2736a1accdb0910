package org.mailsec.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import javax.mail.Session;
import javax.mail.Transport;
import javax.mail.internet.MimeMessage;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.dnsservice.api.InMemoryDNSService;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestClassOrder;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.testing.TestPki;
import org.mailsec.testing.LoopbackMx;
import org.mailsec.testing.PolicyHttpsServer;

/**
 * End to end, all real and on loopback: James 3.8.1 with the sample conf/ and SecureRemoteDelivery, a DNS
 * server (DNSSEC-signed zones for DANE), an HTTPS server for MTA-STS policies, SMTP servers with STARTTLS as
 * MX hosts. Each case sends a mail into James by SMTP and checks what the MX received and what
 * {@code GET /mailsec/tls-results} shows, as an operator would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class SecureDeliveryEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path tmp;

    private LoopbackDnsServer dns;
    private PolicyHttpsServer https;
    private final Map<String, LoopbackMx> mx = new java.util.HashMap<>();
    private MailsecServer james;
    private final HttpClient http = HttpClient.newHttpClient();
    private final org.mailsec.testing.MovableClock clock = org.mailsec.testing.MovableClock.ticking();
    private int mxPort;
    private java.security.KeyStore jamesKeystore;
    private KeyPair dkimKeys;

    @BeforeAll
    void boot(@TempDir Path dir) throws Exception {
        tmp = dir;
        Instant now = Instant.now();
        TestPki.Identity root = TestPki.rootCa("mailsec e2e WebPKI root");
        TestPki.Identity issuing = root.issue("mailsec e2e issuing CA", now.minus(Duration.ofDays(1)),
            now.plus(Duration.ofDays(365)), true);
        TestPki.Identity good = issuing.issueServer("good.mx.test", "requiretls.mx.test", "mx.dane3.test",
            "mx.dane2.test", "mx.danebad.test", "mx.bogus.test", "mx.servfail.test", "mx.daneunusable.test",
            "mx.rpt-dane.test", "mx2.rpt-dane.test");
        TestPki.Identity other = issuing.issueServer("other.mx.test");
        TestPki.Identity expired = issuing.issueExpired("expired.mx.test");
        TestPki.Identity wrongName = issuing.issueServer("somewhere-else.example");
        TestPki.Identity rogue = TestPki.rootCa("rogue root");
        TestPki.Identity untrusted = rogue.issueServer("untrusted.mx.test");

        mxPort = LoopbackMx.freePort();
        mx.put("good", LoopbackMx.start("127.0.0.2", mxPort, good.serverContext()));
        mx.put("plain", LoopbackMx.start("127.0.0.3", mxPort, null));
        mx.put("expired", LoopbackMx.start("127.0.0.4", mxPort, expired.serverContext()));
        mx.put("untrusted", LoopbackMx.start("127.0.0.5", mxPort, untrusted.serverContext()));
        mx.put("wrongname", LoopbackMx.start("127.0.0.6", mxPort, wrongName.serverContext()));
        mx.put("requiretls", LoopbackMx.startWithRequireTls("127.0.0.7", mxPort, good.serverContext()));

        dns = LoopbackDnsServer.start();
        dns.addZone("mx.test", """
            good A 127.0.0.2
            plain A 127.0.0.3
            expired A 127.0.0.4
            untrusted A 127.0.0.5
            wrongname A 127.0.0.6
            requiretls A 127.0.0.7
            """);
        https = new PolicyHttpsServer(issuing.issueServer(policyHosts()),
            Map.of("mta-sts.webpki.test", rogue.issueServer("mta-sts.webpki.test")));

        stsDomain("enforce.test", "good", "enforce", "good.mx.test");
        stsDomain("testing.test", "expired", "testing", "expired.mx.test");
        stsDomain("plain-enforce.test", "plain", "enforce", "plain.mx.test");
        stsDomain("plain-testing.test", "plain", "testing", "plain.mx.test");
        stsDomain("expired.test", "expired", "enforce", "expired.mx.test");
        stsDomain("wrongname.test", "wrongname", "enforce", "wrongname.mx.test");
        stsDomain("untrusted.test", "untrusted", "enforce", "untrusted.mx.test");
        stsDomain("mismatch.test", "good", "enforce", "mail.elsewhere.example");
        stsDomain("requiretls.test", "requiretls", "enforce", "requiretls.mx.test");
        stsDomain("requiretls-missing.test", "good", "enforce", "good.mx.test");
        stsDomain("optional.test", "expired", "enforce", "expired.mx.test");
        // Testing mode, MX not in the policy: delivered, counted once; under REQUIRETLS nothing vouches for the MX.
        stsDomain("testing-mismatch.test", "good", "testing", "elsewhere.example");
        stsDomain("requiretls-testing.test", "good", "testing", "elsewhere.example");
        // A policy that cannot be fetched now: a REQUIRETLS mail waits for it rather than bouncing.
        stsDomain("requiretls-e500.test", "good", "enforce", "good.mx.test");
        https.answer("requiretls-e500.test", PolicyHttpsServer.Answer.status(500));
        for (String failing : List.of("e404.test", "e500.test", "big.test", "redirect.test", "invalid.test", "webpki.test")) {
            stsDomain(failing, "good", "enforce", "good.mx.test");
        }
        https.answer("e404.test", PolicyHttpsServer.Answer.status(404));
        https.answer("e500.test", PolicyHttpsServer.Answer.status(500));
        https.answer("big.test", PolicyHttpsServer.Answer.oversize(100_000));
        https.answer("redirect.test", PolicyHttpsServer.Answer.redirect("https://mta-sts.enforce.test/.well-known/mta-sts.txt"));
        https.answer("invalid.test", PolicyHttpsServer.Answer.policy("version: STSv1\nmode: enforce\nmx: good.mx.test\n"));
        dns.addZone("failover.test", """
            @ MX 10 expired.mx.test.
            @ MX 20 good.mx.test.
            _mta-sts TXT "v=STSv1; id=1"
            mta-sts A 127.0.0.1
            _smtp._tls TXT "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test"
            """);
        // Where reports about the test domains are mailed (no policy of its own).
        dns.addZone("reports.test", "@ MX 10 good.mx.test.\ntlsrpt A 127.0.0.1\n");
        // Report tests: a domain whose first MX fails, one with only successes, a DANE host reporting by HTTPS.
        stsDomain("rpt-ok.test", "good", "enforce", "good.mx.test");
        dns.addZone("rpt-mixed.test", """
            @ MX 10 expired.mx.test.
            @ MX 20 good.mx.test.
            _mta-sts TXT "v=STSv1; id=1"
            mta-sts A 127.0.0.1
            _smtp._tls TXT "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test"
            """);
        policy("rpt-mixed.test", "enforce", "*.mx.test");
        // Its reporting address refuses mail for good: reports to it get suppressed automatically.
        dns.addZone("rpt-bounce.test", """
            @ MX 10 expired.mx.test.
            @ MX 20 good.mx.test.
            _mta-sts TXT "v=STSv1; id=1"
            mta-sts A 127.0.0.1
            _smtp._tls TXT "v=TLSRPTv1; rua=mailto:tlsrpt@bouncing.test"
            """);
        policy("rpt-bounce.test", "enforce", "*.mx.test");
        dns.addZone("bouncing.test", "@ MX 10 good.mx.test.\n");
        policy("failover.test", "enforce", "*.mx.test");

        String tlsa = "_" + mxPort + "._tcp.mx";
        daneDomain("dane3.test", tlsa + " TLSA 3 1 1 " + hex(TestPki.tlsa(3, 1, 1, good.certificate())));
        // DANE wins over an MTA-STS policy that would refuse the host.
        policy("dane3.test", "enforce", "unrelated.example");
        daneDomain("dane2.test", tlsa + " TLSA 2 0 1 " + hex(TestPki.tlsa(2, 0, 1, issuing.certificate())));
        daneDomain("danebad.test", tlsa + " TLSA 3 1 1 " + hex(TestPki.tlsa(3, 1, 1, other.certificate())));
        daneDomain("bogus.test", tlsa + " TLSA 3 1 1 " + hex(TestPki.tlsa(3, 1, 1, good.certificate())));
        dns.breakSignature(tlsa + ".bogus.test", "TLSA");
        daneDomain("servfail.test", tlsa + " TLSA 3 1 1 " + hex(TestPki.tlsa(3, 1, 1, good.certificate())));
        // DNS faults on records DANE depends on: the plaintext-only MX must never get the mail.
        for (String faulty : List.of("aaaa-servfail.test", "aaaa-timeout.test", "addr-servfail.test")) {
            dns.addSignedZone(faulty, """
                @ MX 10 mx
                mx A 127.0.0.3
                %s TLSA 3 1 1 %s
                _smtp._tls TXT "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test"
                """.formatted(tlsa, hex(TestPki.tlsa(3, 1, 1, good.certificate()))));
        }
        dns.servfail("mx.aaaa-servfail.test", "AAAA");
        dns.dropQueries("mx.aaaa-timeout.test", "AAAA");
        dns.servfail("mx.addr-servfail.test");
        // A policy host an outsider points at the cloud metadata address: never contacted (SSRF).
        dns.addZone("ssrf.test", """
            @ MX 10 good.mx.test.
            _mta-sts TXT "v=STSv1; id=1"
            mta-sts A 169.254.169.254
            _smtp._tls TXT "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test"
            """);
        // An enforced policy naming only a TLS MX; its _mta-sts record cannot be looked up and nothing is cached.
        stsDomain("sts-servfail.test", "plain", "enforce", "good.mx.test");
        dns.servfail("_mta-sts.sts-servfail.test");
        daneDomain("daneunusable.test", tlsa + " TLSA 1 1 1 " + hex(TestPki.tlsa(1, 1, 1, good.certificate())));
        // Two DANE hosts, the first's TLSA not matching: a host publishing its own TLSRPT by HTTPS...
        E2e.twoDaneHosts(dns, "rpt-dane.test", mxPort, other, good, "_smtp._tls.mx TXT \"v=TLSRPTv1; "
            + "rua=https://tlsrpt.reports.test:" + https.port() + "/tlsrpt\"");
        // ...and only DANE results: only the recipient domain publishes TLSRPT, so every result of the day is
        // stored under a host.
        E2e.twoDaneHosts(dns, "rpt-daneonly.test", mxPort, other, good,
            "_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@reports.test\"");

        // Zones as operators sign them: NSEC3 children delegated by DS from an NSEC3 opt-out parent, one trust
        // anchor for the tree, and an insecure delegation whose TLSA record must be ignored.
        String tlsaOwner = tlsa.substring(0, tlsa.length() - 3);
        dns.addSignedZone("tree.test", "@ A 127.0.0.1\n", LoopbackDnsServer.Denial.NSEC3_OPT_OUT);
        dns.addSignedChildZone("tree.test", "n3dane.tree.test", """
            @ MX 10 mx
            mx A 127.0.0.2
            %s.mx TLSA 3 1 1 %s
            _smtp._tls TXT "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test"
            """.formatted(tlsaOwner, hex(TestPki.tlsa(3, 1, 1, good.certificate()))), LoopbackDnsServer.Denial.NSEC3);
        dns.addSignedChildZone("tree.test", "n3bad.tree.test", """
            @ MX 10 mx
            mx A 127.0.0.2
            %s.mx TLSA 3 1 1 %s
            """.formatted(tlsaOwner, hex(TestPki.tlsa(3, 1, 1, other.certificate()))), LoopbackDnsServer.Denial.NSEC3);
        dns.addSignedChildZone("tree.test", "n3nx.tree.test", "@ MX 10 mx\nmx A 127.0.0.3\n", LoopbackDnsServer.Denial.NSEC3);
        dns.addInsecureChildZone("tree.test", "insecure.tree.test", """
            @ MX 10 mx
            mx A 127.0.0.3
            %s.mx TLSA 3 1 1 %s
            """.formatted(tlsaOwner, hex(TestPki.tlsa(3, 1, 1, good.certificate()))));
        dns.addSignedChildZone("tree.test", "n3sts.tree.test", """
            @ MX 10 good.mx.test.
            _mta-sts TXT "v=STSv1; id=1"
            mta-sts A 127.0.0.1
            _smtp._tls TXT "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test"
            """, LoopbackDnsServer.Denial.NSEC3);
        policy("n3sts.tree.test", "enforce", "good.mx.test");

        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        dkimKeys = rsa.generateKeyPair();
        Path dkimKey = Files.writeString(tmp.resolve("dkim.pem"), org.mailsec.testing.DkimKeys.privateKeyPem(dkimKeys));
        dns.servfail(tlsa + ".servfail.test");

        Path anchors = Files.writeString(tmp.resolve("anchors.txt"), dns.trustAnchorText());
        Path roots = Files.writeString(tmp.resolve("roots.pem"), E2e.pem(root.certificate()));
        // James's own SMTP server gets a certificate, so clients can use STARTTLS and REQUIRETLS.
        TestPki.Identity jamesIdentity = issuing.issueServer("james.test");
        java.security.KeyStore keystore = java.security.KeyStore.getInstance("PKCS12");
        keystore.load(null, null);
        keystore.setKeyEntry("james", jamesIdentity.keys().getPrivate(), "changeit".toCharArray(), jamesIdentity.sentChain());
        jamesKeystore = keystore;
        Path conf = E2e.configuration(tmp, E2e.pairs(
            "mailsec.dns.servers", dns.hostPort(),
            // The policy servers and the https rua listen on loopback, refused unless allowed.
            "mailsec.net.allowed", "127.0.0.0/8",
            "mailsec.dns.timeout", "PT1S",
            "mailsec.dns.retries", "0",
            "mailsec.dns.trust.anchors", anchors.toString(),
            "mailsec.dns.cache.max.age", "PT0S",
            "mailsec.delivery.smtp.port", String.valueOf(mxPort),
            "mailsec.tls.webpki.roots", roots.toString(),
            "mailsec.mtasts.https.port", String.valueOf(https.port()),
            "mailsec.mtasts.fetch.timeout", "PT5S",
            "mailsec.reports.submitter", "sender.test",
            "mailsec.reports.dkim.domain", "sender.test",
            "mailsec.reports.dkim.selector", "tlsrpt",
            "mailsec.reports.dkim.key", dkimKey.toString()), Optional.of(jamesKeystore));

        InMemoryDNSService jamesDns = E2e.jamesDns();
        james = MailsecServer.start(conf, tmp.resolve("james"), binder -> binder.bind(DNSService.class).toInstance(jamesDns),
            binder -> binder.bind(java.time.Clock.class).toInstance(clock));
        // The sender of the test mails has a mailbox, where what is returned to it arrives.
        E2e.put(james.webAdminPort(), "/users/sender@localhost", "{\"password\":\"secret\"}");
    }

    @AfterAll
    void stop() {
        if (james != null) {
            james.close();
        }
        mx.values().forEach(LoopbackMx::close);
        if (https != null) {
            https.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    @Nested
    @Order(1)
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class MtaSts {
        @Test
        void enforceWithAGoodCertificateDeliversOverTlsAndCountsASuccess() throws Exception {
            String rcpt = send("enforce.test");
            LoopbackMx.Received received = awaitDelivery("good", rcpt);
            assertThat(received.tls()).isTrue();
            JsonNode row = awaitResult("enforce.test", "success");
            assertThat(row.get("policyType").asText()).isEqualTo("sts");
            assertThat(row.get("isHost").asBoolean()).isFalse();
            assertThat(row.get("receivingMxHostname").asText()).isEqualTo("good.mx.test");
            assertThat(row.get("policyStrings").toString()).contains("mode: enforce");
            assertThat(cachedPolicies()).anySatisfy(p -> {
                assertThat(p.get("domain").asText()).isEqualTo("enforce.test");
                assertThat(p.get("mode").asText()).isEqualTo("enforce");
            });
        }

        @Test
        void enforceWithoutStarttlsDoesNotDeliver() throws Exception {
            String rcpt = send("plain-enforce.test");
            awaitResult("plain-enforce.test", "starttls-not-supported");
            assertNotDelivered("plain", rcpt);
        }

        @Test
        void testingWithoutStarttlsDeliversInPlaintextAndCountsTheFailure() throws Exception {
            String rcpt = send("plain-testing.test");
            assertThat(awaitDelivery("plain", rcpt).tls()).isFalse();
            awaitResult("plain-testing.test", "starttls-not-supported");
        }

        @Test
        void testingWithAnExpiredCertificateDeliversAndCountsTheFailure() throws Exception {
            String rcpt = send("testing.test");
            assertThat(awaitDelivery("expired", rcpt).tls()).isTrue();
            awaitResult("testing.test", "certificate-expired");
        }

        @Test
        void expiredCertificateUnderEnforce() throws Exception {
            String rcpt = send("expired.test");
            JsonNode row = awaitResult("expired.test", "certificate-expired");
            assertThat(row.get("failureReasonCode").asText()).isEqualTo("expired");
            assertThat(row.get("receivingIp").asText()).isEqualTo("127.0.0.4");
            assertNotDelivered("expired", rcpt);
        }

        @Test
        void certificateForAnotherName() throws Exception {
            String rcpt = send("wrongname.test");
            awaitResult("wrongname.test", "certificate-host-mismatch");
            assertNotDelivered("wrongname", rcpt);
        }

        @Test
        void certificateFromAnUntrustedIssuer() throws Exception {
            String rcpt = send("untrusted.test");
            awaitResult("untrusted.test", "certificate-not-trusted");
            assertNotDelivered("untrusted", rcpt);
        }

        @Test
        void mxHostNotInThePolicyIsNeverContacted() throws Exception {
            String rcpt = send("mismatch.test");
            JsonNode row = awaitResult("mismatch.test", "validation-failure");
            assertThat(row.get("failureReasonCode").asText()).isEqualTo("mx-not-in-policy");
            assertNotDelivered("good", rcpt);
        }

        @Test
        void policyFetchFailuresAreCountedAndDeliveryGoesOnWithoutPolicy() throws Exception {
            for (String domain : List.of("e404.test", "e500.test", "big.test", "redirect.test")) {
                String rcpt = send(domain);
                assertThat(awaitDelivery("good", rcpt).tls()).as(domain).isTrue();
                JsonNode row = awaitResult(domain, "sts-policy-fetch-error");
                assertThat(row.get("failureReasonCode").asText()).as(domain).isNotEmpty();
            }
            assertThat(result("e404.test", "sts-policy-fetch-error").orElseThrow().get("failureReasonCode").asText())
                .isEqualTo("http-status-404");
            assertThat(result("e500.test", "sts-policy-fetch-error").orElseThrow().get("failureReasonCode").asText())
                .isEqualTo("http-status-500");
            assertThat(result("big.test", "sts-policy-fetch-error").orElseThrow().get("failureReasonCode").asText())
                .isEqualTo("body-too-large");
            assertThat(result("redirect.test", "sts-policy-fetch-error").orElseThrow().get("failureReasonCode").asText())
                .startsWith("redirect-not-allowed");
        }

        @Test
        void aPolicyHostOnARefusedAddressIsNeverContactedAndTheReasonIsMailsecsOwn() throws Exception {
            String rcpt = send("ssrf.test");
            assertThat(awaitDelivery("good", rcpt).tls()).isTrue();
            assertThat(awaitResult("ssrf.test", "sts-policy-fetch-error").get("failureReasonCode").asText())
                .isEqualTo("refused-address");
        }

        @Test
        void anInvalidPolicyOrAPolicyHostWithoutAValidCertificateIsCountedAndIgnored() throws Exception {
            String invalid = send("invalid.test");
            assertThat(awaitDelivery("good", invalid).tls()).isTrue();
            assertThat(awaitResult("invalid.test", "sts-policy-invalid").get("failureReasonCode").asText())
                .startsWith("policy-invalid");
            String webpki = send("webpki.test");
            assertThat(awaitDelivery("good", webpki).tls()).isTrue();
            JsonNode failure = awaitResult("webpki.test", "sts-webpki-invalid");
            assertThat(failure.get("policyType").asText()).isEqualTo("sts");
            assertThat(failure.get("receivingMxHostname").asText()).isEqualTo("good.mx.test");
            // One delivery, one session, one count: not a no-policy-found success besides the sts failure.
            assertThat(rowsAfterFlush("webpki.test")).containsExactly("sts sts-webpki-invalid 1");
        }

        @Test
        void anMxOutsideATestingPolicyIsDeliveredAndItsSessionCountedOnce() throws Exception {
            String rcpt = send("testing-mismatch.test");
            assertThat(awaitDelivery("good", rcpt).tls()).isTrue();
            awaitResult("testing-mismatch.test", "validation-failure");
            assertThat(rowsAfterFlush("testing-mismatch.test")).containsExactly("sts validation-failure 1");
        }

        @Test
        void anUnanswerableMtaStsRecordWithNothingCachedDefersInsteadOfSendingWithoutPolicy() throws Exception {
            String rcpt = send("sts-servfail.test");
            JsonNode row = awaitResult("sts-servfail.test", "sts-policy-fetch-error");
            assertThat(row.get("failureReasonCode").asText()).isEqualTo("policy-unknown");
            assertNotDelivered("plain", rcpt);
        }

        @Test
        void firstMxFailsTheSecondTakesTheMail() throws Exception {
            String rcpt = send("failover.test");
            assertThat(awaitDelivery("good", rcpt).tls()).isTrue();
            awaitResult("failover.test", "certificate-expired");
            awaitResult("failover.test", "success");
            assertNotDelivered("expired", rcpt);
        }
    }

    @Nested
    @Order(2)
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Dane {
        @Test
        void tlsaUsage3MatchDeliversAndCountsUnderTheMxHost() throws Exception {
            String rcpt = send("dane3.test");
            assertThat(awaitDelivery("good", rcpt).tls()).isTrue();
            JsonNode row = awaitResult("mx.dane3.test", "success");
            assertThat(row.get("isHost").asBoolean()).isTrue();
            assertThat(row.get("policyType").asText()).isEqualTo("tlsa");
            assertThat(row.get("recipientDomain").asText()).isEqualTo("dane3.test");
            assertThat(row.get("policyStrings").get(0).asText()).startsWith("3 1 1 ");
        }

        @Test
        void tlsaUsage2MatchDelivers() throws Exception {
            String rcpt = send("dane2.test");
            assertThat(awaitDelivery("good", rcpt).tls()).isTrue();
            awaitResult("mx.dane2.test", "success");
        }

        @Test
        void tlsaMismatchDoesNotDeliver() throws Exception {
            String rcpt = send("danebad.test");
            JsonNode row = awaitResult("mx.danebad.test", "validation-failure");
            assertThat(row.get("failureReasonCode").asText()).isEqualTo("tlsa-mismatch");
            assertNotDelivered("good", rcpt);
        }

        @Test
        void bogusTlsaDoesNotDeliver() throws Exception {
            String rcpt = send("bogus.test");
            JsonNode row = awaitResult("mx.bogus.test", "dnssec-invalid");
            assertThat(row.get("failureReasonCode").asText()).isEqualTo("tlsa-bogus");
            assertNotDelivered("good", rcpt);
        }

        @Test
        void onlyUnusableTlsaRecordsStillRequireTlsAndAreCounted() throws Exception {
            String rcpt = send("daneunusable.test");
            assertThat(awaitDelivery("good", rcpt).tls()).isTrue();
            assertThat(awaitResult("mx.daneunusable.test", "tlsa-invalid").get("failureReasonCode").asText())
                .isEqualTo("no-usable-tlsa");
            assertThat(rowsAfterFlush("mx.daneunusable.test")).as("one session, one count").containsExactly("tlsa tlsa-invalid 1");
        }

        @Test
        void aFailedAaaaLookupKeepsDaneOnTheSecureAddresses() throws Exception {
            for (String domain : List.of("aaaa-servfail.test", "aaaa-timeout.test")) {
                String rcpt = send(domain);
                JsonNode row = awaitResult("mx." + domain, "starttls-not-supported");
                assertThat(row.get("policyType").asText()).isEqualTo("tlsa");
                assertThat(row.get("recipientDomain").asText()).isEqualTo(domain);
                assertNotDelivered("plain", rcpt);
            }
        }

        @Test
        void noAddressLookupAnsweringUnderASecureMxIsCountedAndNothingIsSent() throws Exception {
            String rcpt = send("addr-servfail.test");
            JsonNode row = awaitResult("mx.addr-servfail.test", "dnssec-invalid");
            assertThat(row.get("failureReasonCode").asText()).isEqualTo("address-lookup-failed");
            assertNotDelivered("plain", rcpt);
        }

        @Test
        void servfailOnTlsaDoesNotDeliver() throws Exception {
            String rcpt = send("servfail.test");
            awaitResult("mx.servfail.test", "dnssec-invalid");
            assertNotDelivered("good", rcpt);
        }
    }

    /** The delivery decisions again, on zones signed with NSEC3 under a DS chain, as operators' zones are. */
    @Nested
    @Order(4)
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Nsec3Zones {
        @Test
        void daneHoldsOnNsec3ZonesUnderADsChain() throws Exception {
            String rcpt = send("n3dane.tree.test");
            assertThat(awaitDelivery("good", rcpt).tls()).isTrue();
            assertThat(awaitResult("mx.n3dane.tree.test", "success").get("policyType").asText()).isEqualTo("tlsa");
            String refused = send("n3bad.tree.test");
            assertThat(awaitResult("mx.n3bad.tree.test", "validation-failure").get("failureReasonCode").asText())
                .isEqualTo("tlsa-mismatch");
            assertNotDelivered("good", refused);
        }

        @Test
        void aTlsaNameProvenAbsentByNsec3DeliversWithoutDane() throws Exception {
            // The NXDOMAIN of the TLSA name (and of _mta-sts) is an NSEC3 closest-encloser proof: no DANE, no wait.
            String rcpt = send("n3nx.tree.test");
            assertThat(awaitDelivery("plain", rcpt).tls()).isFalse();
        }

        @Test
        void aTlsaRecordBelowAnInsecureDelegationIsIgnored() throws Exception {
            // The parent's opt-out NSEC3 proves there is no DS: the zone is unsigned and its TLSA record means nothing.
            String rcpt = send("insecure.tree.test");
            assertThat(awaitDelivery("plain", rcpt).tls()).isFalse();
        }

        @Test
        void mtaStsOnAnNsec3Zone() throws Exception {
            String rcpt = send("n3sts.tree.test");
            assertThat(awaitDelivery("good", rcpt).tls()).isTrue();
            JsonNode row = awaitResult("n3sts.tree.test", "success");
            assertThat(row.get("policyType").asText()).isEqualTo("sts");
        }
    }

    @Nested
    @Order(0)
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class TlsReports {
        @Test
        void theDaysReportsAreMailedSignedAndPostedOnceWithTheCountsDelivered() throws Exception {
            List<String> mixed = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                mixed.add(send("rpt-mixed.test"));
            }
            List<String> dane = List.of(send("rpt-dane.test"), send("rpt-dane.test"));
            List<String> daneOnly = List.of(send("rpt-daneonly.test"), send("rpt-daneonly.test"), send("rpt-daneonly.test"));
            String ok = send("rpt-ok.test");
            mx.get("good").refuse("tlsrpt@bouncing.test");
            awaitDelivery("good", send("rpt-bounce.test"));
            // RFC 8460 counts sessions: mails to one domain may share a connection, so the successes expected are
            // the connections the mails came over (the failing hosts' connections are never kept).
            long mixedSessions = mixed.stream().map(rcpt -> awaitDelivery("good", rcpt).session()).distinct().count();
            for (String rcpt : dane) {
                awaitDelivery("good", rcpt);
            }
            long daneOnlySessions = daneOnly.stream().map(rcpt -> awaitDelivery("good", rcpt).session()).distinct().count();
            awaitDelivery("good", ok);
            String today = java.time.LocalDate.ofInstant(clock.instant(), java.time.ZoneOffset.UTC).toString();
            // A day's reports are sent once it is over: move James past midnight for this test only. It runs first:
            // a mail deferred before such a jump would hold James's delay queue asleep for the rest of its delay.
            clock.advance(Duration.ofDays(1));
            try {
                sendTheDaysReports(today, mixedSessions, daneOnlySessions);
            } finally {
                clock.advance(Duration.ofDays(-1));
            }
        }

        private void sendTheDaysReports(String today, long mixedSessions, long daneOnlySessions) throws Exception {
            JsonNode task = E2e.runReportTask(james.webAdminPort(), today);
            assertThat(task.get("status").asText()).isEqualTo("completed");
            JsonNode done = task.get("additionalInformation");
            assertThat(done.get("type").asText()).isEqualTo("mailsec-send-tls-reports");
            assertThat(done.get("day").asText()).isEqualTo(today);
            assertThat(done.get("mailed").asInt()).isGreaterThanOrEqualTo(2);
            assertThat(done.get("posted").asInt()).isEqualTo(1);
            assertThat(done.get("failed").asInt()).isZero();

            LoopbackMx.Received mail = awaitReport("rpt-mixed.test");
            assertThat(mail.tls()).isTrue();
            TlsReport report = single(new TlsReportReader().read(mail.data(), "report.eml"));
            assertThat(report.organizationName()).isEqualTo("sender.test");
            TlsReport.PolicyResult sts = report.policies().stream()
                .filter(p -> p.policy().type().equals("sts")).findFirst().orElseThrow();
            assertThat(sts.policy().domain()).isEqualTo("rpt-mixed.test");
            assertThat(sts.successCount()).isEqualTo(mixedSessions);
            assertThat(sts.failureCount()).isEqualTo(3);
            assertThat(sts.failureDetails()).singleElement().satisfies(d -> {
                assertThat(d.resultType()).isEqualTo("certificate-expired");
                assertThat(d.receivingMxHostname()).isEqualTo("expired.mx.test");
                assertThat(d.failedSessionCount()).isEqualTo(3);
            });
            assertThat(dkimVerifies(mail.data())).as("DKIM signature of the report mail").isTrue();

            PolicyHttpsServer.Posted posted = https.posts().stream().filter(p -> p.path().equals("/tlsrpt")).findFirst()
                .orElseThrow();
            assertThat(posted.contentType()).isEqualTo("application/tlsrpt+gzip");
            TlsReport hostReport = single(new TlsReportReader().read(posted.body(), "report.json.gz"));
            assertThat(hostReport.policies()).singleElement().satisfies(p -> {
                assertThat(p.policy().type()).isEqualTo("tlsa");
                assertThat(p.policy().domain()).isEqualTo("rpt-dane.test");
                assertThat(p.policy().mxHosts()).containsExactly("mx.rpt-dane.test");
                assertThat(p.failureCount()).isEqualTo(2);
                assertThat(p.failureDetails()).singleElement()
                    .satisfies(d -> assertThat(d.failureReasonCode()).isEqualTo("tlsa-mismatch"));
            });

            // A recipient domain with DANE results only: one report, its hosts' successes and failures as delivered.
            LoopbackMx.Received daneOnlyMail = awaitReport("rpt-daneonly.test");
            TlsReport daneOnly = single(new TlsReportReader().read(daneOnlyMail.data(), "report.eml"));
            assertThat(daneOnly.policies()).allSatisfy(p -> {
                assertThat(p.policy().type()).isEqualTo("tlsa");
                assertThat(p.policy().domain()).isEqualTo("rpt-daneonly.test");
            });
            TlsReport.PolicyResult mismatching = daneOnly.policies().stream()
                .filter(p -> p.policy().mxHosts().equals(List.of("mx.rpt-daneonly.test"))).findFirst().orElseThrow();
            assertThat(mismatching.failureCount()).isEqualTo(3);
            assertThat(mismatching.successCount()).isZero();
            assertThat(mismatching.failureDetails()).singleElement()
                .satisfies(d -> assertThat(d.failureReasonCode()).isEqualTo("tlsa-mismatch"));
            TlsReport.PolicyResult matching = daneOnly.policies().stream()
                .filter(p -> p.policy().mxHosts().equals(List.of("mx2.rpt-daneonly.test"))).findFirst().orElseThrow();
            assertThat(matching.successCount()).isEqualTo(daneOnlySessions);
            assertThat(matching.failureCount()).isZero();
            assertThat(mx.get("good").messages()).filteredOn(m -> m.text().contains("TLS-Report-Domain: rpt-daneonly.test"))
                .hasSize(1);

            // The reporting address that answered 550 gets no report for 30 days, with the reason.
            await().atMost(WAIT).until(() -> get("/mailsec/suppressions/tls").size() > 0);
            JsonNode suppression = get("/mailsec/suppressions/tls").get(0);
            assertThat(suppression.get("address").asText()).isEqualTo("tlsrpt@bouncing.test");
            assertThat(suppression.get("comment").asText()).startsWith("automatic").contains("550");
            assertThat(Duration.between(Instant.now(), Instant.parse(suppression.get("until").asText())))
                .isBetween(Duration.ofDays(29), Duration.ofDays(31));

            // Only successes: no report by default.
            assertThat(mx.get("good").messages()).noneMatch(m -> m.text().contains("TLS-Report-Domain: rpt-ok.test"));

            long reportMails = mx.get("good").messages().stream().filter(m -> m.text().contains("TLS-Report-Domain:")).count();
            JsonNode again = E2e.runReportTask(james.webAdminPort(), today);
            assertThat(again.get("status").asText()).isEqualTo("completed");
            assertThat(again.get("additionalInformation").get("mailed").asInt()).isZero();
            assertThat(again.get("additionalInformation").get("posted").asInt()).isZero();
            Thread.sleep(1000);
            assertThat(mx.get("good").messages().stream().filter(m -> m.text().contains("TLS-Report-Domain:")).count())
                .as("a second run sends nothing").isEqualTo(reportMails);
            assertThat(https.posts()).filteredOn(p -> p.path().equals("/tlsrpt")).hasSize(1);
        }

        private LoopbackMx.Received awaitReport(String policyDomain) {
            List<LoopbackMx.Received> found = new ArrayList<>();
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
                mx.get("good").messages().stream()
                    .filter(m -> m.recipients().contains("tlsrpt@reports.test"))
                    .filter(m -> m.text().contains("TLS-Report-Domain: " + policyDomain))
                    .findFirst().ifPresent(found::add);
                return !found.isEmpty();
            });
            return found.get(0);
        }

        private boolean dkimVerifies(byte[] raw) throws Exception {
            String record = "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(dkimKeys.getPublic().getEncoded());
            org.apache.james.jdkim.DKIMVerifier verifier = new org.apache.james.jdkim.DKIMVerifier(
                (method, selector, token) -> {
                    assertThat(selector.toString()).isEqualTo("tlsrpt");
                    assertThat(token.toString()).isEqualTo("sender.test");
                    return List.of(record);
                });
            List<org.apache.james.jdkim.api.SignatureRecord> signatures = verifier.verify(new java.io.ByteArrayInputStream(raw));
            return signatures != null && !signatures.isEmpty();
        }
    }

    @Nested
    @Order(3)
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Rfc8689 {
        @Test
        void requireTlsTravelsOnlyToAServerSupportingIt() throws Exception {
            String rcpt = send("requiretls.test", Map.of("X-Mailsec-Require-TLS", "yes"));
            LoopbackMx.Received received = awaitDelivery("requiretls", rcpt);
            assertThat(received.tls()).isTrue();
        }

        @Test
        void requireTlsIsNotDeliveredToAServerWithoutItAndTheSenderLearnsAtOnce() throws Exception {
            String rcpt = send("requiretls-missing.test", Map.of("X-Mailsec-Require-TLS", "yes"));
            awaitResult("requiretls-missing.test", "success");
            // RFC 8689 §4.2.1: no MX takes REQUIRETLS, so the mail is returned now (5.7.30), not retried for days.
            await().atMost(WAIT).until(() -> returnedToSender(rcpt));
            assertNotDelivered("good", rcpt);
        }

        @Test
        void requireTlsToAnMxOnlyATestingPolicyDoesNotNameIsReturned() throws Exception {
            String rcpt = send("requiretls-testing.test", Map.of("X-Mailsec-Require-TLS", "yes"));
            await().atMost(WAIT).until(() -> returnedToSender(rcpt));
            assertNotDelivered("good", rcpt);
        }

        @Test
        void requireTlsWaitsForAPolicyThatCannotBeFetchedNow() throws Exception {
            String rcpt = send("requiretls-e500.test", Map.of("X-Mailsec-Require-TLS", "yes"));
            awaitResult("requiretls-e500.test", "sts-policy-fetch-error");
            Thread.sleep(2_000);
            assertThat(returnedToSender(rcpt)).as("the policy may vouch for the MX once it can be fetched").isFalse();
            assertNotDelivered("good", rcpt);
        }

        private boolean returnedToSender(String rcpt) throws Exception {
            try {
                return returnedToSenderNow(rcpt);
            } catch (javax.mail.MessagingException | java.io.IOException e) {
                return false; // an IMAP read that timed out: asked again on the next poll
            }
        }

        private boolean returnedToSenderNow(String rcpt) throws Exception {
            return Inbox.read(james.imapPort(), "sender@localhost", "secret", inbox -> {
                for (javax.mail.Message m : inbox.getMessages()) {
                    java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
                    m.writeTo(raw);
                    String text = raw.toString(java.nio.charset.StandardCharsets.UTF_8);
                    if (text.contains(rcpt) && text.contains("5.7.30")) {
                        return true;
                    }
                }
                return false;
            });
        }

        @Test
        void requireTlsAskedOverSmtpIsHonouredAllTheWay() throws Exception {
            String rcpt = sendRequireTls("requiretls.test");
            assertThat(awaitDelivery("requiretls", rcpt).tls()).isTrue();
            String refused = sendRequireTls("requiretls-missing.test");
            await().atMost(WAIT).until(() -> result("requiretls-missing.test", "success").isPresent());
            Thread.sleep(1000);
            assertNotDelivered("good", refused);
        }

        @Test
        void requireTlsIsRefusedOnAPlaintextSession() throws Exception {
            Properties props = smtpClient();
            props.put("mail.smtp.mailextension", "REQUIRETLS");
            MimeMessage message = message(Session.getInstance(props), "user@requiretls.test", Map.of());
            assertThatThrownBy(() -> Transport.send(message)).hasMessageContaining("REQUIRETLS");
        }

        @Test
        void tlsRequiredNoDeliversDespiteTheEnforcedPolicyAndCountsTheFailure() throws Exception {
            String rcpt = send("optional.test", Map.of("TLS-Required", "No"));
            assertThat(awaitDelivery("expired", rcpt).tls()).isTrue();
            awaitResult("optional.test", "certificate-expired");
        }
    }

    @Test
    void anOperatorCanDropADaysResultsAndACachedPolicy() throws Exception {
        send("enforce.test");
        awaitResult("enforce.test", "success");
        String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        assertThat(get("/mailsec/tls-results/enforce.test/" + today)).isNotEmpty();
        assertThat(delete("/mailsec/tls-results/enforce.test/" + today)).isEqualTo(204);
        assertThat(get("/mailsec/tls-results/enforce.test/" + today)).isEmpty();
        assertThat(delete("/mailsec/tls-results/enforce.test/" + today)).isEqualTo(404);

        assertThat(get("/mailsec/mta-sts/policies/enforce.test").get("mode").asText()).isEqualTo("enforce");
        assertThat(delete("/mailsec/mta-sts/policies/enforce.test")).isEqualTo(204);
        assertThat(delete("/mailsec/mta-sts/policies/enforce.test")).isEqualTo(404);
        int fetches = https.requests("enforce.test");
        awaitDelivery("good", send("enforce.test"));
        assertThat(https.requests("enforce.test")).as("fetched again after the drop").isEqualTo(fetches + 1);
    }

    @Test
    void anOperatorManagesTheSuppressionList() throws Exception {
        String address = "/mailsec/suppressions/tls/reports@operator.test";
        HttpResponse<String> put = E2e.put(james.webAdminPort(), address,
            "{\"until\":\"2030-01-01T00:00:00Z\",\"comment\":\"asked us to stop\"}");
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(get("/mailsec/suppressions/tls")).anySatisfy(s -> {
            assertThat(s.get("address").asText()).isEqualTo("reports@operator.test");
            assertThat(s.get("comment").asText()).isEqualTo("asked us to stop");
        });
        assertThat(delete(address)).isEqualTo(204);
        assertThat(delete(address)).isEqualTo(404);
        HttpResponse<String> bad = E2e.put(james.webAdminPort(), address, "{\"until\":\"soon\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
    }

    @Test
    void unknownDayIsABadRequest() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + james.webAdminPort() + "/mailsec/tls-results?day=yesterday")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("type").asText()).isEqualTo("InvalidArgument");
    }

    // --- fixtures ---

    private String[] policyHosts() {
        return Stream.of("enforce", "testing", "plain-enforce", "plain-testing", "expired", "wrongname", "untrusted",
                "mismatch", "e404", "e500", "big", "redirect", "invalid", "webpki", "failover", "requiretls", "requiretls-missing",
                "optional", "dane3", "rpt-ok", "rpt-mixed", "rpt-bounce", "n3sts.tree", "testing-mismatch",
                "requiretls-testing", "requiretls-e500")
            .map(d -> "mta-sts." + d + ".test").collect(java.util.stream.Collectors.collectingAndThen(
                java.util.stream.Collectors.toList(), names -> {
                    names.add("tlsrpt.reports.test");
                    return names.toArray(String[]::new);
                }));
    }

    private void stsDomain(String domain, String mxName, String mode, String policyMx) throws IOException {
        dns.addZone(domain, """
            @ MX 10 %s.mx.test.
            _mta-sts TXT "v=STSv1; id=20261122"
            mta-sts A 127.0.0.1
            _smtp._tls TXT "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test"
            """.formatted(mxName));
        policy(domain, mode, policyMx);
    }

    private void policy(String domain, String mode, String policyMx) {
        https.answer(domain, PolicyHttpsServer.Answer.policy(
            "version: STSv1\r\nmode: " + mode + "\r\nmx: " + policyMx + "\r\nmax_age: 86400\r\n"));
    }

    private void daneDomain(String domain, String tlsaRecord) throws IOException {
        dns.addSignedZone(domain, """
            @ MX 10 mx
            mx A 127.0.0.2
            %s
            _smtp._tls.mx TXT "v=TLSRPTv1; rua=mailto:tlsrpt@%s"
            %s
            """.formatted(tlsaRecord, domain, domain.equals("dane3.test")
                ? "_mta-sts TXT \"v=STSv1; id=1\"\nmta-sts A 127.0.0.1" : ""));
    }

    private String send(String domain) throws Exception {
        return send(domain, Map.of());
    }

    /** Submits a mail to James by SMTP, as a client on loopback (an authorized network) would. */
    private String send(String domain, Map<String, String> headers) throws Exception {
        return E2e.submit(james.smtpPort(), domain, headers);
    }

    /** Submits over STARTTLS with the REQUIRETLS MAIL FROM parameter (RFC 8689). */
    private String sendRequireTls(String domain) throws Exception {
        String rcpt = "user-" + UUID.randomUUID().toString().substring(0, 8) + "@" + domain;
        Properties props = smtpClient();
        props.put("mail.smtp.starttls.enable", "true");
        props.put("mail.smtp.starttls.required", "true");
        props.put("mail.smtp.ssl.trust", "*");
        props.put("mail.smtp.mailextension", "REQUIRETLS");
        Transport.send(message(Session.getInstance(props), rcpt, Map.of()));
        return rcpt;
    }

    private LoopbackMx.Received awaitDelivery(String mxName, String rcpt) {
        List<LoopbackMx.Received> found = new ArrayList<>();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
            mx.get(mxName).messages().stream().filter(m -> m.recipients().contains(rcpt)).findFirst().ifPresent(found::add);
            return !found.isEmpty();
        });
        return found.get(0);
    }

    private void assertNotDelivered(String mxName, String rcpt) {
        assertThat(mx.get(mxName).messages()).noneMatch(m -> m.recipients().contains(rcpt));
    }

    private JsonNode awaitResult(String policyDomain, String result) {
        List<JsonNode> found = new ArrayList<>();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            result(policyDomain, result).ifPresent(found::add);
            return !found.isEmpty();
        });
        return found.get(0);
    }

    private Optional<JsonNode> result(String policyDomain, String result) throws Exception {
        for (JsonNode row : get("/mailsec/tls-results?policyDomain=" + policyDomain)) {
            if (row.get("result").asText().equals(result)) {
                return Optional.of(row);
            }
        }
        return Optional.empty();
    }

    /** A policy domain's rows as "policyType result sessions", once the recorder has flushed twice over. */
    private List<String> rowsAfterFlush(String policyDomain) throws Exception {
        Thread.sleep(2_500);
        List<String> rows = new ArrayList<>();
        get("/mailsec/tls-results?policyDomain=" + policyDomain).forEach(r -> rows.add(r.get("policyType").asText() + " "
            + r.get("result").asText() + " " + r.get("sessions").asLong()));
        return rows;
    }

    private List<JsonNode> cachedPolicies() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        get("/mailsec/mta-sts/policies").forEach(out::add);
        return out;
    }

    private Properties smtpClient() {
        return E2e.smtpClient(james.smtpPort());
    }

    private static MimeMessage message(Session session, String rcpt, Map<String, String> headers) throws Exception {
        return E2e.message(session, rcpt, headers);
    }

    private JsonNode get(String path) throws Exception {
        return E2e.get(james.webAdminPort(), path);
    }

    private JsonNode post(String path) throws Exception {
        return E2e.post(james.webAdminPort(), path);
    }

    private static TlsReport single(List<TlsReport> reports) {
        assertThat(reports).hasSize(1);
        return reports.get(0);
    }

    private int delete(String path) throws Exception {
        return E2e.delete(james.webAdminPort(), path);
    }

    private static String hex(org.mailsec.dns.TlsaRecord r) {
        return E2e.hex(r);
    }

}
