package org.mailsec.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.apache.james.dnsservice.api.DNSService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.testing.LoopbackDnsServer;

/**
 * A real James with the sample conf/ attacked from outside, on a test JVM with a 512 MB heap (its own surefire
 * execution, see app/pom.xml): what an outsider sends must neither stop James nor end in the error repository.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnderAttackEndToEndTest {

    private static final String RUA = "rua@localhost";
    private static final String USER = "user@localhost";
    private static final String PASSWORD = "secret";

    private LoopbackDnsServer dns;
    private ReceiverTls receiver;
    private MailsecServer james;

    @BeforeAll
    void boot(@TempDir Path tmp) throws Exception {
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("anchor.test", "@ A 127.0.0.1\n");
        Path anchors = Files.writeString(tmp.resolve("anchors.txt"), dns.trustAnchorText());
        receiver = ReceiverTls.create(tmp);
        Map<String, String> settings = new LinkedHashMap<>(receiver.settings());
        settings.putAll(E2e.pairs(
            "mailsec.dns.servers", dns.hostPort(),
            "mailsec.dns.trust.anchors", anchors.toString(),
            "mailsec.reports.enabled", "false",
            "mailsec.reports.receiver.rate.per.minute", "100000"));
        Path conf = E2e.configuration(tmp, settings, Optional.empty());
        var jamesDns = E2e.jamesDns();
        james = MailsecServer.start(conf, tmp.resolve("james"), binder -> binder.bind(DNSService.class).toInstance(jamesDns));
        for (String user : List.of(RUA, USER)) {
            var created = E2e.put(james.webAdminPort(), "/users/" + user, "{\"password\":\"" + PASSWORD + "\"}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(204);
        }
        assertThat(Runtime.getRuntime().maxMemory()).as("the heap of this test JVM").isLessThan(600L << 20);
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

    /** A TLS report whose policy-string is millions of '[': 25 KB of gzip that once took a 1 GB heap. */
    private static byte[] nestedBrackets() throws Exception {
        String json = "{\"organization-name\":\"o\",\"report-id\":\"brackets\",\"date-range\":{\"start-datetime\":"
            + "\"2026-11-20T00:00:00Z\",\"end-datetime\":\"2026-11-20T23:59:59Z\"},\"policies\":[{\"policy\":{"
            + "\"policy-type\":\"tlsa\",\"policy-string\":\"" + "[".repeat(8_000_000) + "\",\"policy-domain\":\"localhost\"},"
            + "\"summary\":{\"total-successful-session-count\":1,\"total-failure-session-count\":0}}]}";
        return gzip(json.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void fourReportsOfNestedBracketsLeaveJamesDeliveringMailAndTheReceiverAnswering() throws Exception {
        java.time.Instant since = java.time.Instant.now().minusSeconds(1);
        byte[] brackets = nestedBrackets();
        assertThat(brackets.length).isLessThan(40_000);
        for (int i = 1; i <= 4; i++) {
            ReportMails.sendAsIs(james.smtpPort(), ReportMails.withAttachment("tlsrpt", "application/tlsrpt+gzip",
                "brackets.json.gz", brackets, "brackets " + i, RUA), RUA);
        }
        String ordinary = "ordinary after the brackets";
        ReportMails.sendAsIs(james.smtpPort(), ("From: friend@reporter.example\r\nTo: " + USER + "\r\nSubject: " + ordinary
            + "\r\n\r\nhello\r\n").getBytes(StandardCharsets.US_ASCII), USER);

        await().atMost(Duration.ofSeconds(30)).until(() -> Inbox.subjects(james.imapPort(), USER, PASSWORD).contains(ordinary));
        await().atMost(Duration.ofSeconds(30)).until(() -> Inbox.subjects(james.imapPort(), RUA, PASSWORD)
            .containsAll(List.of("brackets 1", "brackets 2", "brackets 3", "brackets 4")));
        assertThat(rejected("tls", since)).filteredOn(r -> r.get("subject").asText().startsWith("brackets "))
            .hasSize(4).allSatisfy(r -> assertThat(r.get("reason").asText()).contains("string longer than"));

        for (int i = 0; i < 4; i++) {
            HttpResponse<String> posted = receiver.client().send(HttpRequest.newBuilder(receiver.endpoint())
                .header("Content-Type", "application/tlsrpt+gzip").POST(HttpRequest.BodyPublishers.ofByteArray(brackets))
                .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(posted.statusCode()).as(posted.body()).isEqualTo(400);
        }
        JsonNode health = E2e.get(james.webAdminPort(), "/healthcheck");
        assertThat(health.get("status").asText()).isEqualTo("healthy");
        assertThat(health.get("checks")).anySatisfy(check -> {
            assertThat(check.get("componentName").asText()).isEqualTo("mailsec");
            assertThat(check.get("status").asText()).isEqualTo("healthy");
        });
    }

    @Test
    void mailThatOnceEndedInTheErrorRepositoryReachesTheMailbox() throws Exception {
        java.time.Instant since = java.time.Instant.now().minusSeconds(1);
        String endOfTime = "{\"organization-name\":\"o\",\"report-id\":\"far\",\"date-range\":{\"start-datetime\":1e30,"
            + "\"end-datetime\":\"2026-11-20T23:59:59Z\"},\"policies\":[]}";
        ReportMails.sendAsIs(james.smtpPort(), ReportMails.withAttachment("tlsrpt", "application/tlsrpt+json", "far.json",
            endOfTime.getBytes(StandardCharsets.US_ASCII), "start 1e30", RUA), RUA);
        String longMax = "<feedback><report_metadata><org_name>o</org_name><report_id>max</report_id><date_range>"
            + "<begin>9223372036854775807</begin><end>1</end></date_range></report_metadata>"
            + "<policy_published><domain>localhost</domain><p>none</p></policy_published></feedback>";
        ReportMails.sendAsIs(james.smtpPort(), ReportMails.withAttachment("dmarc", "application/xml", "max.xml",
            longMax.getBytes(StandardCharsets.US_ASCII), "begin Long.MAX_VALUE", RUA), RUA);
        ReportMails.sendAsIs(james.smtpPort(), ("From: " + ReportMails.REPORTER + "\r\nTo: " + RUA
            + "\r\nSubject: no start boundary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
            + "the boundary line never comes\r\n").getBytes(StandardCharsets.US_ASCII), RUA);

        List<String> subjects = List.of("start 1e30", "begin Long.MAX_VALUE", "no start boundary");
        await().atMost(Duration.ofSeconds(30)).until(() -> Inbox.subjects(james.imapPort(), RUA, PASSWORD).containsAll(subjects));
        assertThat(E2e.get(james.webAdminPort(), "/mailRepositories/var%2Fmail%2Ferror%2F/mails")).isEmpty();
        assertThat(rejected("tls", since)).anySatisfy(r -> {
            assertThat(r.get("subject").asText()).isEqualTo("start 1e30");
            assertThat(r.get("reason").asText()).contains("start-datetime");
        });
        assertThat(rejected("dmarc", since)).anySatisfy(r -> {
            assertThat(r.get("subject").asText()).isEqualTo("begin Long.MAX_VALUE");
            assertThat(r.get("reason").asText()).contains("1970-2200");
        });
    }

    /** Status and body of one webadmin request sent as raw bytes (java.net.URI refuses malformed escapes). */
    private record Raw(int statusCode, String body) {
    }

    private Raw webadmin(String method, String path, String body) throws Exception {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", james.webAdminPort())) {
            socket.setSoTimeout(10_000);
            var out = socket.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + content.length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            out.write(content);
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int headersEnd = response.indexOf("\r\n\r\n");
            String head = response.substring(0, headersEnd);
            String rest = response.substring(headersEnd + 4);
            if (head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
                StringBuilder joined = new StringBuilder();
                while (!rest.isEmpty()) {
                    int eol = rest.indexOf("\r\n");
                    int size = Integer.parseInt(rest.substring(0, eol).trim(), 16);
                    if (size == 0) {
                        break;
                    }
                    joined.append(rest, eol + 2, eol + 2 + size);
                    rest = rest.substring(eol + 2 + size + 2);
                }
                rest = joined.toString();
            }
            return new Raw(Integer.parseInt(head.substring(9, 12)), rest);
        }
    }

    @Test
    void malformedWebadminParametersAreBadRequestsWithJamesErrorNeverServerErrors() throws Exception {
        String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        String longAddress = "a".repeat(600) + "@example.com";
        List<String[]> calls = List.of(
            new String[] {"GET", "/mailsec/tls-results?day=%ZZ", null},
            new String[] {"GET", "/mailsec/tls-results?day=%", null},
            new String[] {"GET", "/mailsec/tls-reports?start=%C3%28", null},
            new String[] {"GET", "/mailsec/tls-reports?start=-999999999-01-01T00:00:00Z", null},
            new String[] {"GET", "/mailsec/dmarc-reports/rejected?limit=%FF", null},
            new String[] {"GET", "/mailsec/tls-results?day=+999999999-12-31", null},
            new String[] {"POST", "/mailsec/tls-reports/send?day=" + today, null},
            new String[] {"POST", "/mailsec/tls-reports/send?day=2999-01-01", null},
            new String[] {"PUT", "/mailsec/suppressions/tls/a@example.com", "{\"until\":\"-999999999-01-01T00:00:00Z\"}"},
            new String[] {"PUT", "/mailsec/suppressions/tls/a@example.com",
                "{\"until\":\"2027-01-01T00:00:00Z\",\"comment\":\"" + "x".repeat(2000) + "\"}"},
            new String[] {"PUT", "/mailsec/suppressions/tls/" + longAddress, "{\"until\":\"2027-01-01T00:00:00Z\"}"},
            new String[] {"PUT", "/mailsec/suppressions/tls/a@example.com", "[".repeat(100_000)});
        for (String[] call : calls) {
            Raw response = webadmin(call[0], call[1], call[2]);
            assertThat(response.statusCode()).as(call[0] + " " + call[1] + ": " + response.body()).isEqualTo(400);
            JsonNode error = E2e.JSON.readTree(response.body());
            assertThat(error.get("statusCode").asInt()).isEqualTo(400);
            assertThat(error.get("type").asText()).isEqualTo("InvalidArgument");
            assertThat(error.get("message").asText()).isNotBlank();
        }
        String yesterday = java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(1).toString();
        assertThat(webadmin("POST", "/mailsec/tls-reports/send?day=" + yesterday, null).statusCode()).isEqualTo(201);
    }

    private int inboxCount(String user) throws Exception {
        return Inbox.read(james.imapPort(), user, PASSWORD, javax.mail.Folder::getMessageCount);
    }

    /**
     * The standing hostile-input suite: some 1,500 generated cases through every door of a running James — report
     * mails over SMTP, posts to the HTTPS receiver, odd values of every mailsec webadmin parameter. No mail may be
     * lost (each reaches the mailbox), no door may answer 5xx to bad input, nothing may end in the error
     * repository, and afterwards James is healthy and still delivers mail, all on this JVM's 512 MB heap.
     */
    @Test
    void theHostileInputSuiteLosesNoMailAndGetsNoServerError() throws Exception {
        List<HostileInputs.Case> tls = HostileInputs.tlsReports(11);
        List<HostileInputs.Case> dmarc = HostileInputs.dmarcReports(11);
        int cases = 0;

        int before = inboxCount(RUA);
        for (HostileInputs.Case c : tls) {
            ReportMails.sendAsIs(james.smtpPort(), ReportMails.withAttachment("tlsrpt", "application/tlsrpt+json", "r.json",
                c.bytes(), "hostile suite: " + c.name(), RUA), RUA);
        }
        for (HostileInputs.Case c : dmarc) {
            ReportMails.sendAsIs(james.smtpPort(), ReportMails.withAttachment("dmarc", "application/xml", "r.xml",
                c.bytes(), "hostile suite: " + c.name(), RUA), RUA);
        }
        int mails = tls.size() + dmarc.size();
        cases += mails;
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
            .until(() -> inboxCount(RUA) >= before + mails);
        assertThat(inboxCount(RUA)).as("every hostile mail in the mailbox, once").isEqualTo(before + mails);
        assertThat(E2e.get(james.webAdminPort(), "/mailRepositories/var%2Fmail%2Ferror%2F/mails")).isEmpty();

        for (HostileInputs.Case c : tls) {
            for (String type : List.of("application/tlsrpt+json", "application/tlsrpt+gzip")) {
                byte[] body = type.endsWith("gzip") ? HostileInputs.gzip(c.bytes()) : c.bytes();
                HttpResponse<String> posted = receiver.client().send(HttpRequest.newBuilder(receiver.endpoint())
                    .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertThat(posted.statusCode()).as(c.name() + " posted as " + type + ": " + posted.body())
                    .isIn(200, 201, 400, 403, 413);
                cases++;
            }
        }

        List<String> routes = List.of("/mailsec/tls-results?day=", "/mailsec/tls-results?policyDomain=",
            "/mailsec/tls-results?isHost=", "/mailsec/tls-reports?start=", "/mailsec/tls-reports?end=",
            "/mailsec/tls-reports?domain=", "/mailsec/tls-reports/summaries?start=", "/mailsec/dmarc-reports?start=",
            "/mailsec/dmarc-reports/summaries?domain=", "/mailsec/tls-reports/rejected?limit=",
            "/mailsec/dmarc-reports/rejected?start=", "/mailsec/mta-sts/policies/", "/mailsec/tls-reports/",
            "/mailsec/tls-reports?limit=", "/mailsec/dmarc-reports?offset=", "/mailsec/tls-results?limit=",
            "/mailsec/mta-sts/policies?offset=", "/mailsec/suppressions/tls?limit=", "/mailsec/tls-reports/summaries?limit=");
        for (String route : routes) {
            for (String value : HostileInputs.parameterValues()) {
                Raw answer = webadmin("GET", route + value, null);
                assertThat(answer.statusCode()).as("GET " + route + value + ": " + answer.body()).isLessThan(500);
                cases++;
            }
        }
        for (String value : HostileInputs.parameterValues()) {
            Raw answer = webadmin("POST", "/mailsec/tls-reports/send?day=" + value, null);
            assertThat(answer.statusCode()).as("POST send?day=" + value + ": " + answer.body()).isLessThan(500);
            Raw put = webadmin("PUT", "/mailsec/suppressions/tls/a@example.com", "{\"until\":\"" + value + "\"}");
            assertThat(put.statusCode()).as("PUT until=" + value + ": " + put.body()).isLessThan(500);
            cases += 2;
        }
        assertThat(cases).as("cases in the suite").isGreaterThanOrEqualTo(500);

        JsonNode health = E2e.get(james.webAdminPort(), "/healthcheck");
        assertThat(health.get("status").asText()).as(health.toString()).isEqualTo("healthy");
        String after = "ordinary after the hostile suite";
        ReportMails.sendAsIs(james.smtpPort(), ("From: friend@reporter.example\r\nTo: " + USER + "\r\nSubject: " + after
            + "\r\n\r\nhello\r\n").getBytes(StandardCharsets.US_ASCII), USER);
        await().atMost(Duration.ofSeconds(30)).until(() -> Inbox.subjects(james.imapPort(), USER, PASSWORD).contains(after));
        System.out.println("hostile-input suite: " + cases + " cases");
    }

    /** The refusals recorded since {@code since}: the other tests of this class record a thousand of their own. */
    private List<JsonNode> rejected(String kind, java.time.Instant since) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        E2e.get(james.webAdminPort(), "/mailsec/" + kind + "-reports/rejected?start=" + since).forEach(out::add);
        return out;
    }

    private static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
