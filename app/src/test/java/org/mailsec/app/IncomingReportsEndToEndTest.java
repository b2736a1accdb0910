package org.mailsec.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import javax.mail.Session;
import javax.mail.Transport;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import org.apache.james.dnsservice.api.DNSService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.testing.TestData;

/**
 * Every real report mail in ../shared/testdata, sent over SMTP to a local reporting address of a real James
 * with the sample conf/: each is recognised, stored once, and visible through webadmin with the counts the
 * test data's expected.json gives; the mail still reaches the mailbox.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IncomingReportsEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String RUA = "rua@localhost";

    private LoopbackDnsServer dns;
    private java.security.KeyPair reporterKey;
    private MailsecServer james;

    @BeforeAll
    void boot(@TempDir Path tmp) throws Exception {
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("anchor.test", "@ A 127.0.0.1\n");
        reporterKey = org.mailsec.testing.DkimKeys.generate();
        dns.addZone("reporter.example", "@ SOA ns hostmaster 1 3600 600 86400 300\ntlsrpt._domainkey TXT "
            + org.mailsec.testing.DkimKeys.zoneRecord(reporterKey) + "\n");
        Path anchors = Files.writeString(tmp.resolve("anchors.txt"), dns.trustAnchorText());
        Path conf = E2e.configuration(tmp, E2e.pairs(
            "mailsec.dns.servers", dns.hostPort(),
            "mailsec.dns.trust.anchors", anchors.toString(),
            "mailsec.reports.enabled", "false"), Optional.empty());
        var jamesDns = E2e.jamesDns();
        james = MailsecServer.start(conf, tmp.resolve("james"), binder -> binder.bind(DNSService.class).toInstance(jamesDns));
        var created = E2e.put(james.webAdminPort(), "/users/" + RUA, "{\"password\":\"secret\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(204);
        // The sample conf keeps reports about James's own domains only: make the real reports' domains James's.
        for (String domain : reportDomains()) {
            assertThat(E2e.put(james.webAdminPort(), "/domains/" + domain, "").statusCode()).as(domain).isEqualTo(204);
        }
    }

    /** The policy domains of every real report (mail or file) in the test data, as the readers see them. */
    private static java.util.Set<String> reportDomains() throws Exception {
        java.util.Set<String> domains = new java.util.TreeSet<>();
        for (Path eml : emails("tlsrpt-reports")) {
            try {
                new org.mailsec.tlsrpt.TlsReportReader().read(Files.readAllBytes(eml), eml.toString())
                    .forEach(r -> r.policyDomains().stream().filter(d -> !d.isBlank()).forEach(domains::add));
            } catch (org.mailsec.io.RejectedInputException notAReport) {
                // the test data's broken mails stay unstored either way
            }
        }
        List<Path> dmarcFiles;
        try (Stream<Path> files = Files.list(TestData.dir().resolve("dmarc-aggregate"))) {
            dmarcFiles = files.filter(p -> !p.getFileName().toString().matches("expected.json|PROVENANCE.md")).toList();
        }
        for (Path eml : dmarcFiles) {
            try {
                new org.mailsec.dmarc.report.AggregateReportReader().read(Files.readAllBytes(eml), eml.toString())
                    .forEach(r -> java.util.Optional.ofNullable(r.policy().domain()).filter(d -> !d.isBlank()).ifPresent(domains::add));
            } catch (org.mailsec.io.RejectedInputException notAReport) {
                // as above
            }
        }
        domains.removeIf(d -> d.equals("localhost"));
        return domains;
    }

    @AfterAll
    void stop() {
        if (james != null) {
            james.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    private static List<Path> emails(String dir) throws Exception {
        try (Stream<Path> files = Files.list(TestData.dir().resolve(dir))) {
            return files.filter(p -> p.toString().endsWith(".eml")).sorted().toList();
        }
    }

    private void sendAsIs(Path eml) throws Exception {
        sendAsIs(Files.readAllBytes(eml));
    }

    /** Sends the bytes as they are (javax.mail must not rewrite a reporter's message). */
    private void sendAsIs(byte[] raw) throws Exception {
        ReportMails.sendAsIs(james.smtpPort(), raw, RUA);
    }

    @Test
    void everyRealTlsReportMailIsStoredAndShownWithItsCounts() throws Exception {
        JsonNode expected = E2e.JSON.readTree(TestData.dir().resolve("tlsrpt-reports/expected.json").toFile());
        List<String> reportIds = new ArrayList<>();
        for (Path eml : emails("tlsrpt-reports")) {
            sendAsIs(eml);
            JsonNode want = expected.get(eml.getFileName().toString());
            if (want != null && "ok".equals(want.path("parse").asText())) {
                reportIds.add(want.get("reportId").asText());
            }
        }
        assertThat(reportIds).isNotEmpty();
        await().atMost(WAIT).until(() -> storedTls().size() >= reportIds.stream().distinct().count());
        List<JsonNode> stored = storedTls();
        for (Path eml : emails("tlsrpt-reports")) {
            JsonNode want = expected.get(eml.getFileName().toString());
            if (want == null || !"ok".equals(want.path("parse").asText())) {
                continue;
            }
            assertThat(stored).as(eml.getFileName().toString()).anySatisfy(r -> {
                assertThat(r.get("reportId").asText()).isEqualTo(want.get("reportId").asText());
                assertThat(r.get("organization").asText()).isEqualTo(want.get("organization").asText());
                assertThat(r.get("success").asLong()).isEqualTo(want.get("totalSuccess").asLong());
                assertThat(r.get("failure").asLong()).isEqualTo(want.get("totalFailure").asLong());
                // No DKIM key of the real reporters is published in this test's DNS.
                assertThat(r.get("authenticated").asBoolean()).isFalse();
            });
        }
        JsonNode page = E2e.get(james.webAdminPort(), "/mailsec/tls-reports?start=2000-01-01T00:00:00Z&limit=2&offset=1");
        assertThat(page).hasSize(2);
        assertThat(page.get(0).get("id").asLong()).isEqualTo(stored.get(1).get("id").asLong());
        assertThat(page.get(1).get("id").asLong()).isEqualTo(stored.get(2).get("id").asLong());
        JsonNode one = E2e.get(james.webAdminPort(), "/mailsec/tls-reports/" + stored.get(0).get("id").asText());
        assertThat(one.get("report").get("report-id").asText()).isEqualTo(stored.get(0).get("reportId").asText());
        // Listings and one report name things alike, and only one report carries the whole JSON.
        assertThat(page.get(0).has("report")).isFalse();
        assertThat(one.get("begin").asText()).isEqualTo(stored.get(0).get("begin").asText());
        java.time.Instant.parse(one.get("begin").asText());
        java.time.Instant.parse(one.get("received").asText());
        assertThat(E2e.get(james.webAdminPort(), "/mailsec/tls-reports/summaries?start=2000-01-01T00:00:00Z")).isNotEmpty();

        // The same mails again: stored once.
        int before = stored.size();
        for (Path eml : emails("tlsrpt-reports")) {
            sendAsIs(eml);
        }
        Thread.sleep(3000);
        assertThat(storedTls()).hasSize(before);
    }

    @Test
    void everyRealDmarcReportMailIsStoredAndShownWithItsCounts() throws Exception {
        JsonNode expected = E2e.JSON.readTree(TestData.dir().resolve("dmarc-aggregate/expected.json").toFile());
        List<JsonNode> wanted = new ArrayList<>();
        for (Path eml : emails("dmarc-aggregate")) {
            sendAsIs(eml);
            JsonNode want = expected.get(eml.getFileName().toString());
            if (want != null && "ok".equals(want.path("parse").asText())) {
                wanted.add(want);
            }
        }
        assertThat(wanted).isNotEmpty();
        await().atMost(WAIT).until(() -> storedDmarc().size() >= wanted.size());
        List<JsonNode> stored = storedDmarc();
        for (JsonNode want : wanted) {
            assertThat(stored).as(want.get("reportId").asText()).anySatisfy(r -> {
                assertThat(r.get("reportId").asText()).isEqualTo(want.get("reportId").asText());
                assertThat(r.get("organization").asText()).isEqualTo(want.get("organization").asText());
                assertThat(r.get("domain").asText()).isEqualTo(want.get("domain").asText());
                assertThat(r.get("records").asInt()).isEqualTo(want.get("records").asInt());
            });
        }
    }

    @Test
    void aReportSignedByItsSenderIsShownAsAuthenticated() throws Exception {
        java.time.Instant start = java.time.Instant.parse("2026-11-29T00:00:00Z");
        org.mailsec.tlsrpt.TlsReport report = new org.mailsec.tlsrpt.TlsReport("Reporter", start,
            start.plus(Duration.ofDays(1)).minusSeconds(1), "mailto:tlsrpt@reporter.example", "signed-e2e",
            List.of(new org.mailsec.tlsrpt.TlsReport.PolicyResult(new org.mailsec.tlsrpt.TlsReport.Policy("sts",
                List.of("version: STSv1", "mode: enforce"), "localhost", List.of()), 12, 0, List.of())));
        MimeMessage message = org.mailsec.tlsrpt.TlsReportMail.message(org.mailsec.tlsrpt.TlsReportMail.session(), report,
            new InternetAddress("tlsrpt@reporter.example"), List.of(new InternetAddress(RUA)), "reporter.example", "localhost");
        new org.mailsec.reporting.ReportDkimSigner(new org.mailsec.reporting.ReportSettings.DkimKey("reporter.example",
            "tlsrpt", reporterKey.getPrivate())).sign(message);
        java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
        message.writeTo(raw);
        sendAsIs(raw.toByteArray());

        JsonNode stored = await().atMost(WAIT).until(() -> storedTls().stream()
            .filter(r -> r.get("reportId").asText().equals("signed-e2e")).findFirst().orElse(null), java.util.Objects::nonNull);
        assertThat(stored.get("authenticated").asBoolean()).isTrue();
        assertThat(stored.get("success").asLong()).isEqualTo(12);
    }

    @Test
    void everyBrokenRealReportIsDeliveredUntouchedWithTheReasonRecorded() throws Exception {
        JsonNode expected = E2e.JSON.readTree(TestData.dir().resolve("dmarc-aggregate/expected.json").toFile());
        List<String> broken = new ArrayList<>();
        expected.fields().forEachRemaining(e -> {
            if (!"ok".equals(e.getValue().path("parse").asText()) && !e.getKey().endsWith(".eml")) {
                broken.add(e.getKey());
            }
        });
        assertThat(broken).isNotEmpty();
        for (String name : broken) {
            byte[] file = Files.readAllBytes(TestData.dir().resolve("dmarc-aggregate").resolve(name));
            sendAsIs(hostile("dmarc", "application/xml", name, file, "broken " + name));
        }
        for (String name : broken) {
            byte[] file = Files.readAllBytes(TestData.dir().resolve("dmarc-aggregate").resolve(name));
            // In the mailbox, with the report attached byte for byte as it was sent.
            byte[] delivered = await().atMost(WAIT).until(() -> attachment("broken " + name), java.util.Objects::nonNull);
            assertThat(java.util.Arrays.equals(delivered, file)).as(name + " delivered as sent").isTrue();
            // Stored after repair, or refused with the reader's reason on record.
            Optional<String> reason;
            String reportId = null;
            try {
                reportId = new org.mailsec.dmarc.report.AggregateReportReader().read(file, name).get(0).metadata().reportId();
                reason = Optional.empty();
            } catch (org.mailsec.io.RejectedInputException e) {
                reason = Optional.of(e.getMessage());
            }
            if (reason.isPresent()) {
                List<JsonNode> refused = new ArrayList<>();
                E2e.get(james.webAdminPort(), "/mailsec/dmarc-reports/rejected?start=2000-01-01T00:00:00Z").forEach(refused::add);
                assertThat(refused).as(name).anySatisfy(r -> {
                    assertThat(r.get("subject").asText()).isEqualTo("broken " + name);
                    assertThat(r.get("reason").asText()).isNotBlank();
                });
            } else {
                String id = reportId;
                assertThat(storedDmarc()).as(name + " repaired and stored").anySatisfy(r ->
                    assertThat(r.get("reportId").asText()).isEqualTo(id));
            }
        }
        List<JsonNode> refused = new ArrayList<>();
        E2e.get(james.webAdminPort(), "/mailsec/dmarc-reports/rejected?start=2000-01-01T00:00:00Z").forEach(refused::add);
        assertThat(refused).anySatisfy(r -> {
            assertThat(r.get("subject").asText()).isEqualTo("broken parsedmarc_empty.xml");
            assertThat(r.get("from").asText()).isEqualTo("reports@reporter.example");
            assertThat(r.get("messageId").asText()).isNotBlank();
        });
    }

    @Test
    void hostileReportMailsNeverCrashTheMailetNorLoseTheMail() throws Exception {
        int storedTls = storedTls().size();
        int storedDmarc = storedDmarc().size();

        sendAsIs(hostile("tlsrpt", "application/tlsrpt+gzip", "bomb.json.gz", gzipBomb()));
        sendAsIs(hostile("dmarc", "application/xml", "report.xml", xxe()));
        sendAsIs(hostile("tlsrpt", "application/tlsrpt+gzip", "huge.json.gz", new byte[16 * 1024 * 1024]));
        sendAsIs(("Content-Type: multipart/report; report-type=tlsrpt; boundary=\"never-closed\"\r\n"
            + "Subject: hostile malformed\r\nFrom: reports@reporter.example\r\n\r\n--never-closed\r\n"
            + "Content-Type: application/tlsrpt+json\r\n\r\n{\"report-id\": [[[[\r\n").getBytes(StandardCharsets.US_ASCII));
        sendHundredMegabyteReport("hostile tlsrpt 100 MB");

        // Every one reaches the mailbox (this JVM has a 1 GB heap: see app/pom.xml), and none is stored.
        List<String> subjects = List.of("hostile tlsrpt bomb.json.gz", "hostile dmarc report.xml",
            "hostile tlsrpt huge.json.gz", "hostile malformed", "hostile tlsrpt 100 MB");
        await().atMost(Duration.ofSeconds(90)).until(() -> inboxSubjects().containsAll(subjects));
        assertThat(storedTls()).hasSize(storedTls);
        assertThat(storedDmarc()).hasSize(storedDmarc);
        List<JsonNode> refused = new ArrayList<>();
        E2e.get(james.webAdminPort(), "/mailsec/tls-reports/rejected?start=2000-01-01T00:00:00Z").forEach(refused::add);
        assertThat(refused).anySatisfy(r -> {
            assertThat(r.get("subject").asText()).isEqualTo("hostile tlsrpt 100 MB");
            assertThat(r.get("reason").asText()).contains("larger than");
        });
        assertThat(refused).anySatisfy(r -> assertThat(r.get("subject").asText()).isEqualTo("hostile tlsrpt bomb.json.gz"));
    }

    /**
     * A TLS report mail with a 100 MB attachment, streamed over SMTP line by line so that the test client holds
     * none of it: only James's memory is put to the test.
     */
    private void sendHundredMegabyteReport(String subject) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", james.smtpPort())) {
            socket.setSoTimeout(120_000);
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                StandardCharsets.US_ASCII));
            java.io.OutputStream out = new java.io.BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            expect(in, "220");
            for (String command : List.of("EHLO reporter.example", "MAIL FROM:<reports@reporter.example>",
                    "RCPT TO:<" + RUA + ">", "DATA")) {
                out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                expect(in, command.equals("DATA") ? "354" : "250");
            }
            out.write(("From: reports@reporter.example\r\nTo: " + RUA + "\r\nSubject: " + subject + "\r\n"
                + "Message-ID: <hundred-mb@reporter.example>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/report; report-type=tlsrpt; boundary=\"b\"\r\n\r\n"
                + "--b\r\nContent-Type: text/plain\r\n\r\nreport attached\r\n"
                + "--b\r\nContent-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=\"huge.json.gz\"\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            // 57 bytes per base64 line of 76 characters: 1,839,607 lines are 100 MB decoded.
            byte[] line = ("A".repeat(76) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            for (long decoded = 0; decoded < 100L * 1024 * 1024; decoded += 57) {
                out.write(line);
            }
            out.write("--b--\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            expect(in, "250");
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    /** Reads one SMTP reply (all its lines) and checks its code. */
    private static void expect(java.io.BufferedReader in, String code) throws Exception {
        String line;
        do {
            line = in.readLine();
            assertThat(line).as("SMTP reply").isNotNull().startsWith(code);
        } while (line.length() > 3 && line.charAt(3) == '-');
    }

    /** The subjects of the messages in the reporting address's INBOX, read over IMAP. */
    private List<String> inboxSubjects() throws Exception {
        return Inbox.subjects(james.imapPort(), RUA, "secret");
    }

    private static byte[] hostile(String kind, String type, String name, byte[] payload) throws Exception {
        return hostile(kind, type, name, payload, "hostile " + kind + " " + name);
    }

    private static byte[] hostile(String kind, String type, String name, byte[] payload, String subject) throws Exception {
        return ReportMails.withAttachment(kind, type, name, payload, subject, RUA);
    }

    /** 1 GB of JSON in about 1 MB of gzip. */
    private static byte[] gzipBomb() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] spaces = new byte[1 << 20];
        java.util.Arrays.fill(spaces, (byte) ' ');
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write("{\"report-id\":\"bomb\",\"pad\":\"".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 1024; i++) {
                gz.write(spaces);
            }
        }
        return out.toByteArray();
    }

    private static byte[] xxe() {
        return ("<?xml version=\"1.0\"?><!DOCTYPE feedback [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
            + "<feedback><report_metadata><org_name>&xxe;</org_name><report_id>xxe</report_id></report_metadata></feedback>")
            .getBytes(StandardCharsets.UTF_8);
    }

    /** The attachment of the INBOX message with this subject, read over IMAP; null when there is none yet. */
    private byte[] attachment(String subject) throws Exception {
        return Inbox.read(james.imapPort(), RUA, "secret", inbox -> {
            for (javax.mail.Message m : inbox.search(new javax.mail.search.SubjectTerm(subject))) {
                if (subject.equals(m.getSubject())) {
                    return attachment(m);
                }
            }
            return null;
        });
    }

    /** The decoded bytes of a message's second part, the report attachment of {@link #hostile}. */
    private static byte[] attachment(javax.mail.Message message) throws Exception {
        return ((javax.mail.Multipart) message.getContent()).getBodyPart(1).getInputStream().readAllBytes();
    }

    private List<JsonNode> storedTls() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        E2e.get(james.webAdminPort(), "/mailsec/tls-reports?start=2000-01-01T00:00:00Z").forEach(out::add);
        return out;
    }

    private List<JsonNode> storedDmarc() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        E2e.get(james.webAdminPort(), "/mailsec/dmarc-reports?start=2000-01-01T00:00:00Z").forEach(out::add);
        return out;
    }
}
