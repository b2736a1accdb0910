package org.mailsec.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.james.dnsservice.api.DNSService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.testing.TestData;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportJson;

/**
 * The HTTPS TLS report receiver of a real James with the sample conf/ (RFC 8460 §5.3): every real JSON report of
 * ../shared/testdata posted to it is stored once, marked unauthenticated, and shown by webadmin; what is not a
 * report about our domains, too large, of another type or too frequent is refused with the HTTP status a poster
 * understands, and the reason is listed under /mailsec/tls-reports/rejected.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReportReceiverEndToEndTest {

    private static final int RATE_PER_MINUTE = 80;
    private static final int MAX_BYTES = 64 * 1024;
    private static final int PER_CLIENT = 4;

    private MailsecServer james;
    private HttpClient https;
    private URI endpoint;

    @BeforeAll
    void boot(@TempDir Path tmp) throws Exception {
        ReceiverTls receiver = ReceiverTls.create(tmp);
        Map<String, String> settings = new java.util.LinkedHashMap<>(receiver.settings());
        settings.putAll(E2e.pairs(
            "mailsec.reports.enabled", "false",
            "mailsec.reports.receiver.max.bytes", String.valueOf(MAX_BYTES),
            "mailsec.reports.receiver.rate.per.minute", String.valueOf(RATE_PER_MINUTE),
            "mailsec.reports.receiver.header.timeout", "PT2S",
            "mailsec.reports.receiver.connections.per.client", String.valueOf(PER_CLIENT)));
        Path conf = E2e.configuration(tmp, settings, Optional.empty());
        var jamesDns = E2e.jamesDns();
        james = MailsecServer.start(conf, tmp.resolve("james"), binder -> binder.bind(DNSService.class).toInstance(jamesDns));

        https = receiver.client();
        endpoint = receiver.endpoint();
    }

    @AfterAll
    void stop() {
        if (james != null) {
            james.close();
        }
    }

    private HttpResponse<String> post(String contentType, byte[] body) throws Exception {
        return https.send(HttpRequest.newBuilder(endpoint).header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<Path> jsonReports() throws Exception {
        try (Stream<Path> files = Files.list(TestData.dir().resolve("tlsrpt-reports"))) {
            return files.filter(p -> p.toString().endsWith(".json") || p.toString().endsWith(".json.gz"))
                .filter(p -> !p.getFileName().toString().equals("expected.json")).sorted().toList();
        }
    }

    private static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /**
     * Slow clients (the JDK server lost 56 of 60 handshakes to six of them): 15 addresses, each with its four
     * connections stalled before or inside the TLS handshake or in the middle of the request headers. Posts from
     * another address are answered at once; a fifth connection from a full address is closed at accept; the stalled
     * ones are closed after the header timeout (2 s here).
     */
    @Test
    @Order(1)
    void slowClientsHoldNeitherWorkersNorTheirConnectionsForLong() throws Exception {
        TlsReport sample = TlsReportJson.read(Files.readAllBytes(jsonReports().get(0)));
        E2e.put(james.webAdminPort(), "/domains/" + sample.firstPolicyDomain(), "");
        javax.net.ssl.SSLSocketFactory tls = https.sslContext().getSocketFactory();
        List<java.net.Socket> slow = new ArrayList<>();
        try {
            for (int client = 10; client < 25; client++) {
                for (int i = 0; i < PER_CLIENT; i++) {
                    java.net.Socket socket = connectFrom("127.0.0." + client);
                    if (i % 3 == 1) {
                        socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00}); // a ClientHello begun
                    } else if (i % 3 == 2) {
                        javax.net.ssl.SSLSocket secure = (javax.net.ssl.SSLSocket) tls.createSocket(socket, "127.0.0.1",
                            endpoint.getPort(), true);
                        secure.startHandshake();
                        secure.getOutputStream().write("POST /tlsrpt HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
                        secure.getOutputStream().flush();
                        socket = secure;
                    }
                    slow.add(socket);
                }
            }
            List<Long> millis = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                long start = System.nanoTime();
                HttpResponse<String> answer = post("application/tlsrpt+json", TlsReportJson.write(sample));
                millis.add((System.nanoTime() - start) / 1_000_000);
                assertThat(answer.statusCode()).as(answer.body()).isIn(200, 201);
            }
            assertThat(millis).as("each post answered before any slow client timed out").allSatisfy(ms -> assertThat(ms).isLessThan(1_500));

            java.net.Socket fifth = connectFrom("127.0.0.10");
            fifth.setSoTimeout(1_000);
            assertThat(fifth.getInputStream().read()).as("closed at accept").isEqualTo(-1);
            fifth.close();

            for (java.net.Socket socket : slow) {
                socket.setSoTimeout(5_000);
                long start = System.nanoTime();
                // The server may say goodbye first (a TLS alert or close_notify); then the connection ends.
                try {
                    socket.getInputStream().readAllBytes();
                } catch (java.net.SocketTimeoutException stillOpen) {
                    throw new AssertionError("a stalled connection from " + socket.getLocalAddress() + " is still open", stillOpen);
                } catch (java.io.IOException closed) {
                    // reset: closed too
                }
                assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(4_000);
            }
        } finally {
            for (java.net.Socket socket : slow) {
                socket.close();
            }
        }
        JsonNode health = E2e.get(james.webAdminPort(), "/healthcheck");
        assertThat(health.get("status").asText()).as(health.toString()).isEqualTo("healthy");
    }

    private java.net.Socket connectFrom(String address) throws Exception {
        java.net.Socket socket = new java.net.Socket();
        socket.bind(new java.net.InetSocketAddress(address, 0));
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", endpoint.getPort()), 2_000);
        return socket;
    }

    @Test
    @Order(2)
    void postedReportsAreStoredOnceAsUnauthenticatedAndWhatIsNotAReportIsRefusedWithTheReason() throws Exception {
        JsonNode expected = E2e.JSON.readTree(TestData.dir().resolve("tlsrpt-reports/expected.json").toFile());
        // The reports are about several domains: make them James's, but one.
        Set<String> domains = new HashSet<>();
        int refusedReports = 0;
        for (Path file : jsonReports()) {
            for (TlsReport report : new org.mailsec.tlsrpt.TlsReportReader().read(Files.readAllBytes(file), file.toString())) {
                report.policies().stream().map(p -> p.policy().domain()).filter(d -> !d.isBlank()).forEach(domains::add);
            }
        }
        for (String domain : domains) {
            assertThat(E2e.put(james.webAdminPort(), "/domains/" + domain, "").statusCode()).as(domain).isEqualTo(204);
        }

        // Every real report, as JSON and as gzip: stored (201), or a duplicate of one stored (200); a report that
        // names no policy domain is about none of ours (403).
        Set<String> reportIds = new HashSet<>();
        for (Path file : jsonReports()) {
            byte[] raw = Files.readAllBytes(file);
            boolean named = new org.mailsec.tlsrpt.TlsReportReader().read(raw, file.toString()).get(0).policies().stream()
                .anyMatch(p -> !p.policy().domain().isBlank());
            boolean gzipped = file.toString().endsWith(".gz");
            HttpResponse<String> first = post(gzipped ? "application/tlsrpt+gzip" : "application/tlsrpt+json", raw);
            HttpResponse<String> again = post("application/tlsrpt+gzip", gzipped ? raw : gzip(raw));
            if (named) {
                assertThat(first.statusCode()).as(file + ": " + first.body()).isIn(200, 201);
                assertThat(again.statusCode()).as(file + " again: " + again.body()).isEqualTo(200);
                reportIds.add(expected.get(file.getFileName().toString()).get("reportId").asText());
            } else {
                assertThat(List.of(first.statusCode(), again.statusCode())).as(file.toString()).containsOnly(403);
                refusedReports += 2;
            }
        }
        List<JsonNode> stored = new ArrayList<>();
        E2e.get(james.webAdminPort(), "/mailsec/tls-reports?start=2000-01-01T00:00:00Z").forEach(stored::add);
        assertThat(stored).extracting(r -> r.get("reportId").asText()).containsAll(reportIds);
        assertThat(stored).allSatisfy(r -> {
            assertThat(r.get("authenticated").asBoolean()).isFalse();
            assertThat(r.get("fromDomain").asText()).isEqualTo("127.0.0.1");
        });
        JsonNode one = E2e.get(james.webAdminPort(), "/mailsec/tls-reports/" + stored.get(0).get("id").asText());
        assertThat(one.get("report").get("report-id").asText()).isEqualTo(stored.get(0).get("reportId").asText());

        // Refusals, each with the status a poster understands and the reason on record.
        TlsReport sample = TlsReportJson.read(Files.readAllBytes(jsonReports().get(0)));
        TlsReport foreign = new TlsReport(sample.organizationName(), sample.start(), sample.end(), sample.contactInfo(),
            "foreign-1", List.of(new TlsReport.PolicyResult(new TlsReport.Policy("sts", List.of(), "not-ours.example", List.of()),
                1, 0, List.of())));
        assertThat(post("application/tlsrpt+json", TlsReportJson.write(foreign)).statusCode()).isEqualTo(403);
        assertThat(post("application/json", TlsReportJson.write(sample)).statusCode()).isEqualTo(415);
        assertThat(post("application/tlsrpt+json", "{\"report-id\": [[[".getBytes(StandardCharsets.US_ASCII)).statusCode())
            .isEqualTo(400);
        assertThat(post("application/tlsrpt+gzip", new byte[MAX_BYTES + 1]).statusCode()).isEqualTo(413);
        // Past the cap (up to four times it), with a length or chunked: the poster reads a 413, not a cut connection.
        assertThat(post("application/tlsrpt+gzip", new byte[3 * MAX_BYTES]).statusCode()).isEqualTo(413);
        HttpResponse<String> chunked = https.send(HttpRequest.newBuilder(endpoint).header("Content-Type", "application/tlsrpt+json")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(new byte[3 * MAX_BYTES])))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).isEqualTo(413);
        // 32 MB of spaces in a gzip under the size cap: the 20 MB decompression cap refuses it.
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bomb)) {
            byte[] spaces = new byte[1 << 20];
            java.util.Arrays.fill(spaces, (byte) ' ');
            for (int i = 0; i < 32; i++) {
                gz.write(spaces);
            }
        }
        assertThat(bomb.size()).isLessThan(MAX_BYTES);
        assertThat(post("application/tlsrpt+gzip", bomb.toByteArray()).statusCode()).isEqualTo(400);
        assertThat(https.send(HttpRequest.newBuilder(endpoint).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode())
            .isEqualTo(405);
        List<JsonNode> refused = new ArrayList<>();
        E2e.get(james.webAdminPort(), "/mailsec/tls-reports/rejected?start=2000-01-01T00:00:00Z").forEach(refused::add);
        assertThat(refused).extracting(r -> r.get("reason").asText()).hasSize(7 + refusedReports)
            .anySatisfy(reason -> assertThat(reason).contains("about no domain of ours (not-ours.example)"))
            .anySatisfy(reason -> assertThat(reason).contains("content type 'application/json'"))
            .anySatisfy(reason -> assertThat(reason).contains("larger than " + MAX_BYTES));
        assertThat(refused).allSatisfy(r -> assertThat(r.get("mail").asText()).isEqualTo("https from 127.0.0.1"));

        // The rate limit: after RATE_PER_MINUTE posts from one address within the minute, 429.
        int status = 0;
        for (int i = 0; i < 2 * RATE_PER_MINUTE && status != 429; i++) {
            status = post("application/tlsrpt+json", TlsReportJson.write(sample)).statusCode();
        }
        assertThat(status).isEqualTo(429);
    }
}
