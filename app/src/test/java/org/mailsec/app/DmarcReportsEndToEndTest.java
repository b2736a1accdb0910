package org.mailsec.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import javax.mail.Address;
import javax.mail.Session;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;
import javax.mail.internet.MimePart;
import com.sun.mail.smtp.SMTPTransport;
import org.apache.james.dnsservice.api.DNSService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.authentication.DkimVerification;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.dmarc.report.AggregateReportXml;
import org.mailsec.testing.DkimKeys;
import org.mailsec.testing.DmarcSchemas;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.testing.LoopbackMx;
import org.mailsec.testing.MovableClock;
import org.mailsec.testing.TestPki;

/**
 * Our DMARC aggregate reports end to end on a real James: mail from several sender domains arrives over SMTP and is
 * evaluated; the period is then run as a webadmin task, and each report leaves through James's delivery to a loopback
 * MX, where it is read as a stranger reads it: the RFC 9990 schema, mailsec's report reader, jDKIM against the key in
 * DNS. Who gets nothing: an external rua that did not opt in, a rua whose size limit no report fits, a suppressed one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DmarcReportsEndToEndTest {

    private static final String BOB = "bob@localhost";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private LoopbackDnsServer dns;
    private LoopbackMx mx;
    private MailsecServer james;
    private final MovableClock clock = MovableClock.ticking();

    @BeforeAll
    void boot(@TempDir Path tmp) throws Exception {
        KeyPair reportKey = DkimKeys.generate();
        TestPki.Identity root = TestPki.rootCa("dmarc reports root");
        int port = LoopbackMx.freePort();
        mx = LoopbackMx.start("127.0.0.2", port, root.issueServer("mx.sink.test").serverContext());
        dns = LoopbackDnsServer.start();
        String soa = "@ SOA ns hostmaster 1 3600 600 86400 300\n";
        String sender = "@ TXT \"v=spf1 ip4:127.0.0.0/8 -all\"\n@ MX 10 mx.sink.test.\n";
        dns.addSignedZone("sink.test", soa + "mx A 127.0.0.2\n");
        dns.addSignedZone("receiver.test", soa + "r1._domainkey TXT " + DkimKeys.zoneRecord(reportKey) + "\n");
        dns.addSignedZone("own.test", soa + sender + "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@own.test\"\n");
        dns.addSignedZone("ext.test", soa + sender + "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:r@processor.test\"\n");
        dns.addSignedZone("noauth.test", soa + sender + "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:r@processor.test\"\n");
        dns.addSignedZone("processor.test", soa + "@ MX 10 mx.sink.test.\n" + "ext.test._report._dmarc TXT \"v=DMARC1\"\n");
        dns.addSignedZone("tiny.test", soa + sender + "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:dmarc@tiny.test!1k\"\n");
        dns.addSignedZone("refusing.test", soa + sender + "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:dmarc@refusing.test\"\n");
        dns.addSignedZone("suppressed.test", soa + sender
            + "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:dmarc@suppressed.test\"\n");
        Path anchors = Files.writeString(tmp.resolve("anchors.txt"), dns.trustAnchorText());
        Path keyFile = Files.writeString(tmp.resolve("report-key.pem"), DkimKeys.privateKeyPem(reportKey));
        Path conf = E2e.configuration(tmp, E2e.pairs(
            "mailsec.dns.servers", dns.hostPort(),
            "mailsec.dns.trust.anchors", anchors.toString(),
            "mailsec.delivery.smtp.port", String.valueOf(port),
            "mailsec.dmarc.skip.authenticated", "false",
            "mailsec.reports.submitter", "receiver.test",
            "mailsec.reports.dkim.domain", "receiver.test",
            "mailsec.reports.dkim.selector", "r1",
            "mailsec.reports.dkim.key", keyFile.toString()), Optional.empty());
        var jamesDns = E2e.jamesDns();
        james = MailsecServer.start(conf, tmp.resolve("james"), binder -> binder.bind(DNSService.class).toInstance(jamesDns),
            binder -> binder.bind(java.time.Clock.class).toInstance(clock));
        assertThat(E2e.put(james.webAdminPort(), "/users/" + BOB, "{\"password\":\"secret\"}").statusCode()).isEqualTo(204);
    }

    @AfterAll
    void stop() {
        if (james != null) {
            james.close();
        }
        if (mx != null) {
            mx.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    private void send(String domain) throws Exception {
        Properties props = E2e.smtpClient(james.smtpPort());
        props.put("mail.smtp.from", "bounce@" + domain);
        props.put("mail.smtp.localhost", "client.sink.test");
        Session session = Session.getInstance(props);
        String raw = "From: <alice@" + domain + ">\r\nTo: <" + BOB + ">\r\nSubject: hello\r\nMessage-ID: <" + UUID.randomUUID()
            + "@" + domain + ">\r\nDate: Fri, 04 Dec 2026 10:00:00 +0000\r\n\r\nHello.\r\n";
        try (SMTPTransport transport = (SMTPTransport) session.getTransport("smtp")) {
            transport.connect();
            transport.sendMessage(new MimeMessage(session, new ByteArrayInputStream(raw.getBytes())),
                new Address[] {new InternetAddress(BOB)});
        }
    }

    private int evaluations(String domain) throws Exception {
        return E2e.get(james.webAdminPort(), "/mailsec/dmarc-evaluations/" + domain).size();
    }

    private JsonNode runPeriod(Instant end) throws Exception {
        return E2e.runTask(james.webAdminPort(), "/mailsec/dmarc-reports/send?period=" + end);
    }

    /** The reports the MX received for {@code rcpt}, each checked as a receiver of reports would. */
    private List<AggregateReport> reportsTo(String rcpt) throws Exception {
        List<AggregateReport> out = new ArrayList<>();
        for (LoopbackMx.Received received : mx.messages()) {
            if (!received.recipients().contains(rcpt)) {
                continue;
            }
            assertThat(received.mailFrom()).isEqualTo("dmarc-noreply@receiver.test");
            assertThat(new DkimVerification(dns.resolver()).verify(received.data()))
                .as("signed by receiver.test, aligned with From").singleElement()
                .satisfies(s -> {
                    assertThat(s.result()).isEqualTo(DkimVerification.Result.PASS);
                    assertThat(s.domain()).isEqualTo("receiver.test");
                });
            MimeMessage mail = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(received.data()));
            MimePart attachment = (MimePart) ((MimeMultipart) mail.getContent()).getBodyPart(1);
            assertThat(attachment.getContentType()).startsWith("application/gzip");
            try (InputStream gz = new GZIPInputStream(attachment.getInputStream())) {
                byte[] xml = gz.readAllBytes();
                DmarcSchemas.validateRfc9990(xml);
                AggregateReport report = AggregateReportXml.read(xml);
                assertThat(attachment.getFileName()).isEqualTo("receiver.test!" + report.policy().domain() + "!"
                    + report.metadata().begin().getEpochSecond() + "!" + report.metadata().end().getEpochSecond() + "!"
                    + report.metadata().reportId() + ".xml.gz");
                assertThat(mail.getSubject()).endsWith("Report-ID: <" + report.metadata().reportId() + ">");
                out.add(report);
            }
        }
        return out;
    }

    @Test
    void aDaysMailBecomesSignedReportsForTheDomainsThatMayHaveThemAndOnlyOnce() throws Exception {
        List<String> domains = List.of("own.test", "own.test", "own.test", "ext.test", "ext.test", "noauth.test", "tiny.test",
            "suppressed.test", "refusing.test");
        for (String domain : domains) {
            send(domain);
        }
        await().atMost(WAIT).until(() -> evaluations("own.test") == 3 && evaluations("ext.test") == 2
            && evaluations("suppressed.test") == 1 && evaluations("tiny.test") == 1 && evaluations("noauth.test") == 1
            && evaluations("refusing.test") == 1);
        // Its MX answers our report with a 5xx: the address gets no DMARC report for 30 days, automatically.
        mx.refuse("dmarc@refusing.test");
        assertThat(E2e.put(james.webAdminPort(), "/mailsec/suppressions/dmarc/dmarc@suppressed.test",
            "{\"until\":\"2027-01-31T00:00:00Z\",\"comment\":\"asked us to stop\"}").statusCode()).isEqualTo(200);

        // Daily reports: the period ends at the next UTC midnight.
        Instant midnight = clock.instant().truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(1));
        clock.advance(Duration.between(clock.instant(), midnight.plusSeconds(60)));
        JsonNode task = runPeriod(midnight);
        assertThat(task.get("status").asText()).as(task.toString()).isEqualTo("completed");
        JsonNode did = task.get("additionalInformation");
        assertThat(did.get("mailed").asInt()).as("queued: own.test, ext.test, refusing.test").isEqualTo(3);
        assertThat(did.get("externalRefused").asInt()).isEqualTo(1);
        assertThat(did.get("tooLarge").asInt()).isEqualTo(1);
        assertThat(did.get("suppressed").asInt()).isEqualTo(1);

        mx.await(2, WAIT);
        List<AggregateReport> own = reportsTo("dmarc@own.test");
        assertThat(own).singleElement().satisfies(r -> {
            assertThat(r.messages()).isEqualTo(3);
            assertThat(r.dmarcPassMessages()).as("SPF aligned pass").isEqualTo(3);
            assertThat(r.policy().p()).isEqualTo("reject");
            assertThat(r.metadata().end()).isEqualTo(midnight);
            assertThat(r.records()).singleElement().satisfies(rec -> {
                assertThat(rec.row().sourceIp()).isEqualTo("127.0.0.1");
                assertThat(rec.row().evaluated().disposition()).isEqualTo("pass");
                assertThat(rec.identifiers().headerFrom()).isEqualTo("own.test");
            });
        });
        List<AggregateReport> processor = reportsTo("r@processor.test");
        assertThat(processor).as("ext.test's report only: noauth.test's processor never opted in").singleElement()
            .satisfies(r -> assertThat(r.policy().domain()).isEqualTo("ext.test"));
        assertThat(processor.get(0).messages()).isEqualTo(2);
        assertThat(evaluations("own.test")).as("reported, so removed").isZero();
        await().atMost(WAIT).until(() -> E2e.get(james.webAdminPort(), "/mailsec/suppressions/dmarc").findValues("address")
            .stream().anyMatch(a -> a.asText().equals("dmarc@refusing.test")));
        assertThat(E2e.get(james.webAdminPort(), "/mailsec/suppressions/tls").size()).as("a DMARC report's refusal").isZero();

        JsonNode again = runPeriod(midnight);
        assertThat(again.get("additionalInformation").get("mailed").asInt()).isZero();
        Thread.sleep(1000);
        assertThat(mx.messages()).hasSize(2);
    }

    @Test
    void aPeriodThatIsNotAWholeHourOrNotOverYetIsRefusedWithJamesJsonError() throws Exception {
        var notWhole = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + james.webAdminPort() + "/mailsec/dmarc-reports/send?period=2026-12-04T10:30:00Z"))
            .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(notWhole.statusCode()).isEqualTo(400);
        assertThat(E2e.JSON.readTree(notWhole.body()).get("message").asText()).contains("not a whole UTC hour");
        Instant future = clock.instant().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(2));
        var notOver = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + james.webAdminPort() + "/mailsec/dmarc-reports/send?period=" + future))
            .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(notOver.statusCode()).isEqualTo(400);
        assertThat(E2e.JSON.readTree(notOver.body()).get("type").asText()).isEqualTo("InvalidArgument");
        assertThat(E2e.JSON.readTree(notOver.body()).get("message").asText()).contains("not over yet");
    }
}
