package org.mailsec.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
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
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.testing.LoopbackMx;

/**
 * Fault injection: the PostgreSQL store goes away while James delivers mail. Mail is still delivered, the TLS
 * outcomes are kept and stored once the store is back, and James's /healthcheck says mailsec is unhealthy while the
 * store is gone and healthy again after.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoreOutageEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newHttpClient();
    private Path pgData;
    private int pgPort;
    private EmbeddedPostgres postgres;
    private LoopbackDnsServer dns;
    private LoopbackMx mx;
    private MailsecServer james;

    private EmbeddedPostgres startPostgres() throws Exception {
        return EmbeddedPostgres.builder().setPort(pgPort).setDataDirectory(pgData).setCleanDataDirectory(false).start();
    }

    @BeforeAll
    void boot(@TempDir Path tmp) throws Exception {
        pgData = Files.createDirectories(tmp.resolve("pg"));
        pgPort = LoopbackMx.freePort();
        postgres = startPostgres();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE mailsec");
        }
        int smtpPort = LoopbackMx.freePort();
        // STARTTLS with any certificate: each delivery is a TLS session counted under no-policy-found.
        mx = LoopbackMx.start("127.0.0.2", smtpPort,
            org.mailsec.testing.TestPki.rootCa("outage root").issueServer("mx.outage.test").serverContext());
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("anchor.test", "@ A 127.0.0.1\n");
        dns.addZone("outage.test", """
            @ MX 10 mx
            mx A 127.0.0.2
            _smtp._tls TXT "v=TLSRPTv1; rua=mailto:tlsrpt@outage.test"
            """);
        Path anchors = Files.writeString(tmp.resolve("anchors.txt"), dns.trustAnchorText());
        Path conf = E2e.configuration(tmp, E2e.pairs(
            "mailsec.dns.servers", dns.hostPort(),
            "mailsec.dns.trust.anchors", anchors.toString(),
            "mailsec.dns.cache.max.age", "PT0S",
            "mailsec.delivery.smtp.port", String.valueOf(smtpPort),
            "mailsec.reports.enabled", "false",
            "mailsec.store.url", postgres.getJdbcUrl("postgres", "mailsec"),
            "mailsec.store.user", "postgres",
            "mailsec.store.password", "postgres"), Optional.empty());
        var jamesDns = E2e.jamesDns();
        james = MailsecServer.start(conf, tmp.resolve("james"), binder -> binder.bind(DNSService.class).toInstance(jamesDns));
    }

    @AfterAll
    void stop() throws Exception {
        if (james != null) {
            james.close();
        }
        if (mx != null) {
            mx.close();
        }
        if (dns != null) {
            dns.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    private HttpResponse<String> health() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + james.webAdminPort() + "/healthcheck"))
            .build(), HttpResponse.BodyHandlers.ofString());
    }

    private String mailsecStatus() throws Exception {
        for (JsonNode check : E2e.JSON.readTree(health().body()).get("checks")) {
            if (check.get("componentName").asText().equals("mailsec")) {
                return check.get("status").asText();
            }
        }
        return "absent";
    }

    private long storedSuccesses() throws Exception {
        long sessions = 0;
        for (JsonNode row : E2e.get(james.webAdminPort(), "/mailsec/tls-results?policyDomain=outage.test")) {
            if (row.get("result").asText().equals("success")) {
                sessions += row.get("sessions").asLong();
            }
        }
        return sessions;
    }

    private void awaitDelivered(List<String> recipients) {
        await().atMost(WAIT).until(() -> mx.messages().stream().flatMap(m -> m.recipients().stream())
            .filter(recipients::contains).count() == recipients.size());
    }

    @Test
    void mailIsDeliveredThroughAStoreOutageAndItsOutcomesAreStoredWhenTheStoreReturns() throws Exception {
        List<String> before = List.of(E2e.submit(james.smtpPort(), "outage.test", Map.of()));
        awaitDelivered(before);
        await().atMost(WAIT).until(() -> storedSuccesses() == 1);
        assertThat(mailsecStatus()).isEqualTo("healthy");

        // The connection of that mail is kept for 5 s (SecureRemoteDelivery's connectionIdleTimeout): past it, the
        // mails sent during the outage open sessions of their own, whose outcomes must wait for the store.
        Thread.sleep(5_500);
        postgres.close();
        List<String> during = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            during.add(E2e.submit(james.smtpPort(), "outage.test", Map.of()));
        }
        awaitDelivered(during);
        await().atMost(WAIT).until(() -> mailsecStatus().equals("unhealthy"));
        assertThat(health().statusCode()).isEqualTo(503);
        assertThat(health().body()).contains("store");

        // RFC 8460 counts sessions: the mails sent during the outage may have shared connections.
        long sessions = mx.messages().stream().map(LoopbackMx.Received::session).distinct().count();
        assertThat(sessions).as("sessions opened during the outage").isGreaterThan(1);

        postgres = startPostgres();
        await().atMost(WAIT).until(() -> mailsecStatus().equals("healthy"));
        await().atMost(WAIT).until(() -> storedSuccesses() == sessions);
    }
}
