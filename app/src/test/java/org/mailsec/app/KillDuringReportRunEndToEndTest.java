package org.mailsec.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.tls.JdbcTlsResultStore;
import org.mailsec.store.tls.TlsResultKey;
import org.mailsec.testing.TestPki;
import org.mailsec.testing.PolicyHttpsServer;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportReader;

/**
 * kill -9 of a real James in the middle of a report run (RFC 8460 §5): James runs in a JVM of its own, started as
 * an operator starts it ({@code MailsecServer.main} on a configuration directory, the embedded H2 store on disk);
 * its reports go to a slow https collector; the process is killed after a few posts and started again on the same
 * files. After the second run every report has arrived, and a report posted twice is the same report (same
 * report-id, same counts), so the collector counts it once (§5.3: report-id identifies a report).
 */
class KillDuringReportRunEndToEndTest {

    private static final int DOMAINS = 12;
    private static final HttpClient WEBADMIN = HttpClient.newHttpClient();

    private LoopbackDnsServer dns;
    private PolicyHttpsServer collector;
    private Process james;

    @AfterEach
    void stop() {
        if (james != null) {
            james.destroyForcibly();
        }
        if (collector != null) {
            collector.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    @Test
    void everyReportArrivesAndOnlyTheSameReportTwice(@TempDir Path tmp) throws Exception {
        TestPki.Identity root = TestPki.rootCa("kill test root");
        collector = new PolicyHttpsServer(root.issueServer("collector.test"), Map.of());
        collector.delayPosts(Duration.ofMillis(400));
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("anchor.test", "@ A 127.0.0.1\n");
        dns.addZone("collector.test", "@ A 127.0.0.1\n");
        for (String domain : domains()) {
            dns.addZone(domain, "_smtp._tls TXT \"v=TLSRPTv1; rua=https://collector.test:%d/tlsrpt\"\n"
                .formatted(collector.port()));
        }
        Path anchors = Files.writeString(tmp.resolve("anchors.txt"), dns.trustAnchorText());
        Path roots = Files.writeString(tmp.resolve("roots.pem"), E2e.pem(root.certificate()));
        Path storeDir = Files.createDirectories(tmp.resolve("store"));
        LocalDate day = LocalDate.now(ZoneOffset.UTC).minusDays(1);
        seed(StoreConfig.embedded(storeDir), day);

        int webadmin = freePort();
        Path conf = E2e.configuration(tmp, E2e.pairs(
            "mailsec.store.url", StoreConfig.embedded(storeDir).jdbcUrl(),
            "mailsec.store.user", StoreConfig.embedded(storeDir).user(),
            "mailsec.dns.servers", dns.hostPort(),
            "mailsec.dns.trust.anchors", anchors.toString(),
            "mailsec.dns.timeout", "PT1S",
            "mailsec.net.allowed", "127.0.0.0/8",
            "mailsec.tls.webpki.roots", roots.toString(),
            "mailsec.reports.submitter", "sender.test",
            "mailsec.reports.organization", "Kill Test"), Optional.empty());
        Path webadminProperties = conf.resolve("webadmin.properties");
        Files.writeString(webadminProperties, Files.readString(webadminProperties).replace("port=0", "port=" + webadmin));

        james = start(conf, tmp.resolve("james"), tmp.resolve("james-1.log"));
        awaitHealthy(webadmin, tmp.resolve("james-1.log"));
        send(webadmin, day);
        await().atMost(Duration.ofSeconds(60)).until(() -> collector.posts().size() >= 3);
        james.destroyForcibly().waitFor();
        int beforeKill = collector.posts().size();
        assertThat(beforeKill).as("killed in the middle of the run").isLessThan(DOMAINS);

        james = start(conf, tmp.resolve("james"), tmp.resolve("james-2.log"));
        awaitHealthy(webadmin, tmp.resolve("james-2.log"));
        send(webadmin, day);
        await().atMost(Duration.ofSeconds(90)).until(() -> reportsById().size() == DOMAINS);
        Thread.sleep(1_000);

        Map<String, List<TlsReport>> byId = reportsById();
        assertThat(byId.keySet()).containsExactlyInAnyOrderElementsOf(
            domains().stream().map(d -> day + "_" + d + "@sender.test").toList());
        byId.forEach((id, copies) -> {
            assertThat(copies).as(id + " posted before the kill and again: the same report").allSatisfy(copy ->
                assertThat(copy).isEqualTo(copies.get(0)));
            assertThat(copies.get(0).policies()).singleElement().satisfies(p -> assertThat(p.failureCount()).isEqualTo(3));
        });
        long twice = byId.values().stream().filter(c -> c.size() > 1).count();
        assertThat(twice).as("only the posts in flight at the kill are repeated").isLessThanOrEqualTo(4);
    }

    private static List<String> domains() {
        return IntStream.range(0, DOMAINS).mapToObj(i -> "killed-" + i + ".test").toList();
    }

    /** The day's outcomes, as deliveries would have stored them: three expired-certificate failures per domain. */
    private static void seed(StoreConfig store, LocalDate day) {
        try (Database database = Database.open(store)) {
            Map<TlsResultKey, Long> rows = new HashMap<>();
            for (String domain : domains()) {
                rows.put(new TlsResultKey(domain, day, domain, false, false, "sts", List.of("version: STSv1", "mode: enforce",
                    "mx: mx." + domain, "max_age: 86400"), "mx." + domain, "certificate-expired", "192.0.2.1",
                    "mx." + domain, "", "198.51.100.1", "expired"), 3L);
            }
            new JdbcTlsResultStore(database).add(rows);
        }
    }

    private Map<String, List<TlsReport>> reportsById() {
        return collector.posts().stream().map(posted -> {
            try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(posted.body()))) {
                return new TlsReportReader().read(in.readAllBytes(), "report.json").get(0);
            } catch (Exception e) {
                throw new AssertionError("a posted report does not read", e);
            }
        }).collect(Collectors.groupingBy(TlsReport::reportId));
    }

    /** James as an operator runs it: its own JVM, MailsecServer's main, a configuration directory. */
    private static Process start(Path conf, Path workingDir, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"),
            MailsecServer.class.getName(), conf.toString(), workingDir.toString())
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private void awaitHealthy(int webadmin, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!james.isAlive()) {
                throw new AssertionError("James exited (" + james.exitValue() + "):\n" + tail(log));
            }
            try {
                if (WEBADMIN.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webadmin + "/healthcheck")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // webadmin not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("James not healthy within 120 s:\n" + tail(log));
    }

    private static String tail(Path log) throws Exception {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static void send(int webadmin, LocalDate day) throws Exception {
        HttpResponse<String> created = WEBADMIN.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + webadmin + "/mailsec/tls-reports/send?day=" + day))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
