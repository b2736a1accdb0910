package org.mailsec.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.dnsservice.api.InMemoryDNSService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.store.StoreConfig;
import org.mailsec.testing.TestDatabases;
import org.mailsec.testing.TestPki;
import org.mailsec.testing.LoopbackMx;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportReader;

/**
 * Two real James nodes sharing one PostgreSQL store: both deliver, both count, both run the day's report job
 * at the same moment — each report is sent once, with the counts of both nodes summed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterEndToEndTest {

    private static final List<String> DOMAINS = List.of("cluster-a.test", "cluster-b.test", "cluster-c.test");
    /** Domains of the restart test: one a dead node claimed, one it sent, one untouched. */
    private static final List<String> RESTART = List.of("restart-claimed.test", "restart-sent.test", "restart-free.test");
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Sender domains of the DMARC tests: the first two in a run both nodes start, the rest in the interrupted run. */
    private static final List<String> DMARC_DOMAINS = List.of("dmarc-a.test", "dmarc-b.test", "dmarc-claimed.test",
        "dmarc-done.test", "dmarc-free.test");

    private LoopbackDnsServer dns;
    private LoopbackMx mx;
    private final List<MailsecServer> nodes = new ArrayList<>();
    private StoreConfig store;
    /** Both nodes' time: the real time plus an offset the test moves. */
    private final org.mailsec.testing.MovableClock clock = org.mailsec.testing.MovableClock.ticking();


    @BeforeAll
    void boot(@TempDir Path tmp) throws Exception {
        TestPki.Identity root = TestPki.rootCa("cluster root");
        List<String> names = new ArrayList<>(List.of("good.mx.test"));
        java.util.stream.Stream.concat(DOMAINS.stream(), RESTART.stream()).forEach(d -> {
            names.add("mx." + d);
            names.add("mx2." + d);
        });
        TestPki.Identity good = root.issueServer(names.toArray(String[]::new));
        TestPki.Identity other = root.issueServer("other.test");
        int port = LoopbackMx.freePort();
        mx = LoopbackMx.start("127.0.0.2", port, good.serverContext());

        dns = LoopbackDnsServer.start();
        StringBuilder optIns = new StringBuilder();
        for (String domain : DMARC_DOMAINS) {
            // Our nodes' DMARC reports about these domains go to the same mailbox host, which takes them.
            dns.addZone(domain, "@ TXT \"v=spf1 ip4:127.0.0.0/8 -all\"\n"
                + "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:dmarc@reports.test\"\n");
            optIns.append(domain).append("._report._dmarc TXT \"v=DMARC1\"\n");
        }
        dns.addZone("reports.test", "@ MX 10 good.mx.test.\n" + optIns);
        dns.addZone("mx.test", "good A 127.0.0.2\n");
        for (String domain : java.util.stream.Stream.concat(DOMAINS.stream(), RESTART.stream()).toList()) {
            // mx fails DANE (its TLSA matches another certificate), mx2 passes; mx reports to a mailbox.
            E2e.twoDaneHosts(dns, domain, port, other, good, "_smtp._tls.mx TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@reports.test\"");
        }
        Path anchors = Files.writeString(tmp.resolve("anchors.txt"), dns.trustAnchorText());
        store = TestDatabases.fresh(StoreConfig.Dialect.POSTGRESQL);
        InMemoryDNSService jamesDns = E2e.jamesDns();
        for (String node : List.of("node-1", "node-2")) {
            Path dir = Files.createDirectories(tmp.resolve(node));
            Path conf = E2e.configuration(dir, E2e.pairs(
                "mailsec.dns.servers", dns.hostPort(),
                "mailsec.dns.timeout", "PT1S",
                "mailsec.dns.retries", "0",
                "mailsec.dns.trust.anchors", anchors.toString(),
                "mailsec.dns.cache.max.age", "PT0S",
                "mailsec.delivery.smtp.port", String.valueOf(port),
                "mailsec.store.url", store.jdbcUrl(),
                "mailsec.store.user", store.user(),
                "mailsec.store.password", store.password(),
                "mailsec.reports.submitter", "cluster.test",
                // The test's clients are on loopback, which the sample conf lets relay: evaluate their mail too.
                "mailsec.dmarc.skip.authenticated", "false"), Optional.empty(), "-" + node);
            MailsecServer james = MailsecServer.start(conf, dir.resolve("james"),
                binder -> binder.bind(DNSService.class).toInstance(jamesDns),
                binder -> binder.bind(java.time.Clock.class).toInstance(clock));
            nodes.add(james);
            assertThat(E2e.put(james.webAdminPort(), "/users/bob@localhost", "{\"password\":\"secret\"}").statusCode())
                .isEqualTo(204);
        }
    }

    @AfterAll
    void stop() {
        nodes.forEach(MailsecServer::close);
        if (mx != null) {
            mx.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    @Test
    @Order(1)
    void eachReportIsSentOnceWithTheCountsOfBothNodes() throws Exception {
        List<String> recipients = new ArrayList<>();
        for (int i = 0; i < DOMAINS.size(); i++) {
            String domain = DOMAINS.get(i);
            for (int n = 0; n < i + 1; n++) {
                recipients.add(E2e.submit(nodes.get(0).smtpPort(), domain, Map.of()));
                recipients.add(E2e.submit(nodes.get(1).smtpPort(), domain, Map.of()));
            }
        }
        await().atMost(WAIT).until(() -> mx.messages().stream().flatMap(m -> m.recipients().stream())
            .filter(recipients::contains).count() == recipients.size());

        String day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).toString();
        flushBothNodes();
        // A day's reports are sent once it is over.
        clock.advance(Duration.ofDays(1));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Callable<JsonNode>> runs = new ArrayList<>();
            for (MailsecServer node : nodes) {
                runs.add(() -> E2e.runReportTask(node.webAdminPort(), day));
            }
            for (Future<JsonNode> result : pool.invokeAll(runs)) {
                assertThat(result.get().get("status").asText()).isEqualTo("completed");
            }
        } finally {
            pool.shutdown();
        }

        await().atMost(WAIT).until(() -> reports().size() >= DOMAINS.size());
        Thread.sleep(1000);
        List<TlsReport> reports = reports();
        assertThat(reports).hasSize(DOMAINS.size());
        for (int i = 0; i < DOMAINS.size(); i++) {
            String domain = DOMAINS.get(i);
            long expected = 2L * (i + 1);
            assertThat(reports).filteredOn(r -> r.policies().get(0).policy().domain().equals(domain))
                .singleElement().satisfies(r -> {
                    assertThat(r.policies()).singleElement().satisfies(p -> {
                        assertThat(p.policy().mxHosts()).containsExactly("mx." + domain);
                        assertThat(p.failureCount()).as(domain + ": both nodes' failures").isEqualTo(expected);
                    });
                });
        }
    }

    @Test
    @Order(2)
    void aRunCutShortByANodesDeathEndsWithEveryReportSentOnce() throws Exception {
        List<String> recipients = new ArrayList<>();
        for (String domain : RESTART) {
            recipients.add(E2e.submit(nodes.get(0).smtpPort(), domain, Map.of()));
        }
        await().atMost(WAIT).until(() -> mx.messages().stream().flatMap(m -> m.recipients().stream())
            .filter(recipients::contains).count() == recipients.size());
        LocalDate day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        clock.advance(Duration.ofDays(1));
        // Where a node died mid-run: it held the claim of one domain and had sent another's report.
        try (org.mailsec.store.Database db = org.mailsec.store.Database.open(store)) {
            org.mailsec.store.tls.JdbcReportClaims claims = new org.mailsec.store.tls.JdbcReportClaims(db);
            java.time.Instant now = clock.instant();
            claims.claim("mx.restart-claimed.test", day, "dead-node", now.plus(Duration.ofMinutes(30)), now);
            claims.claim("mx.restart-sent.test", day, "dead-node", now.plus(Duration.ofMinutes(30)), now);
            claims.markSent("mx.restart-sent.test", day, "dead-node", now);
        }
        int before = reports().size();
        flushBothNodes();

        assertThat(E2e.runReportTask(nodes.get(1).webAdminPort(), day.toString()).get("status").asText()).isEqualTo("completed");
        await().atMost(WAIT).until(() -> reportsFor("restart-free.test") == 1);
        assertThat(reportsFor("restart-claimed.test")).as("its claim is still held").isZero();

        clock.advance(Duration.ofMinutes(31));
        assertThat(E2e.runReportTask(nodes.get(0).webAdminPort(), day.toString()).get("status").asText()).isEqualTo("completed");
        await().atMost(WAIT).until(() -> reportsFor("restart-claimed.test") == 1);
        Thread.sleep(1000);
        assertThat(reportsFor("restart-free.test")).isEqualTo(1);
        assertThat(reportsFor("restart-sent.test")).as("sent before the node died").isZero();
        assertThat(reports()).hasSize(before + 2);
    }

    @Test
    @Order(3)
    void bothNodesReceiveAndBothRunThePeriodAndEachDmarcReportGoesOnceWithBothNodesMessages() throws Exception {
        for (int i = 0; i < 2; i++) {
            String domain = DMARC_DOMAINS.get(i);
            for (int n = 0; n < i + 1; n++) {
                sendFrom(nodes.get(0), domain);
                sendFrom(nodes.get(1), domain);
            }
        }
        await().atMost(WAIT).until(() -> evaluations("dmarc-a.test") == 2 && evaluations("dmarc-b.test") == 4);
        java.time.Instant midnight = nextMidnight();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        int mailed = 0;
        try {
            List<Callable<JsonNode>> runs = new ArrayList<>();
            for (MailsecServer node : nodes) {
                runs.add(() -> E2e.runTask(node.webAdminPort(), "/mailsec/dmarc-reports/send?period=" + midnight));
            }
            for (Future<JsonNode> result : pool.invokeAll(runs)) {
                assertThat(result.get().get("status").asText()).isEqualTo("completed");
                mailed += result.get().get("additionalInformation").get("mailed").asInt();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(mailed).isEqualTo(2);
        await().atMost(WAIT).until(() -> dmarcReports().size() >= 2);
        Thread.sleep(1000);
        assertThat(dmarcReports()).hasSize(2);
        assertThat(dmarcMessages("dmarc-a.test")).containsExactly(2L);
        assertThat(dmarcMessages("dmarc-b.test")).as("both nodes' mail in one report").containsExactly(4L);
    }

    @Test
    @Order(4)
    void aDmarcRunCutShortByANodesDeathEndsWithEachReportSentExactlyOnce() throws Exception {
        for (String domain : DMARC_DOMAINS.subList(2, 5)) {
            sendFrom(nodes.get(0), domain);
        }
        await().atMost(WAIT).until(() -> DMARC_DOMAINS.subList(2, 5).stream().allMatch(d -> {
            try {
                return evaluations(d) == 1;
            } catch (Exception e) {
                return false;
            }
        }));
        java.time.Instant midnight = nextMidnight();
        // Where a node died mid-run: it held one domain's lease, and had sent (and finished) another's report.
        try (org.mailsec.store.Database db = org.mailsec.store.Database.open(store)) {
            var claims = new org.mailsec.store.dmarc.JdbcDmarcReportClaims(db);
            var evaluations = new org.mailsec.store.dmarc.JdbcEvaluations(db);
            java.time.Instant now = clock.instant();
            claims.lease("dmarc-claimed.test", "dead-node/1", now.plus(Duration.ofMinutes(30)), now);
            claims.lease("dmarc-done.test", "dead-node/1", now.plus(Duration.ofMinutes(30)), now);
            claims.record("dmarc-done.test", midnight, midnight.minus(Duration.ofDays(1)), "dead", "dead-node/1",
                now.plus(Duration.ofMinutes(30)), now);
            claims.finish("dmarc-done.test", midnight, "dead-node/1", org.mailsec.store.dmarc.DmarcReportClaims.Outcome.SENT,
                evaluations.forDomain("dmarc-done.test", midnight).stream().map(org.mailsec.store.dmarc.Evaluation::id).toList(),
                now);
        }
        int before = dmarcReports().size();
        String path = "/mailsec/dmarc-reports/send?period=" + midnight;
        assertThat(E2e.runTask(nodes.get(1).webAdminPort(), path).get("additionalInformation").get("mailed").asInt()).isEqualTo(1);
        await().atMost(WAIT).until(() -> dmarcMessages("dmarc-free.test").size() == 1);
        assertThat(dmarcMessages("dmarc-claimed.test")).as("its lease is still held").isEmpty();

        clock.advance(Duration.ofMinutes(31));
        assertThat(E2e.runTask(nodes.get(0).webAdminPort(), path).get("additionalInformation").get("mailed").asInt()).isEqualTo(1);
        await().atMost(WAIT).until(() -> dmarcMessages("dmarc-claimed.test").size() == 1);
        Thread.sleep(1000);
        assertThat(dmarcMessages("dmarc-free.test")).hasSize(1);
        assertThat(dmarcMessages("dmarc-done.test")).as("sent before the node died").isEmpty();
        assertThat(dmarcReports()).hasSize(before + 2);
    }

    /** Moves both nodes' clock just past the next UTC midnight, where daily DMARC periods end; returns that midnight. */
    private java.time.Instant nextMidnight() {
        java.time.Instant midnight = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.DAYS).plus(Duration.ofDays(1));
        clock.advance(Duration.between(clock.instant(), midnight.plusSeconds(60)));
        return midnight;
    }

    private void sendFrom(MailsecServer node, String domain) throws Exception {
        java.util.Properties props = E2e.smtpClient(node.smtpPort());
        props.put("mail.smtp.from", "bounce@" + domain);
        javax.mail.Session session = javax.mail.Session.getInstance(props);
        javax.mail.internet.MimeMessage message = new javax.mail.internet.MimeMessage(session);
        message.setFrom(new javax.mail.internet.InternetAddress("alice@" + domain));
        message.setRecipient(javax.mail.Message.RecipientType.TO, new javax.mail.internet.InternetAddress("bob@localhost"));
        message.setSubject("from " + domain);
        message.setText("hello");
        javax.mail.Transport.send(message);
    }

    private int evaluations(String domain) throws Exception {
        return E2e.get(nodes.get(0).webAdminPort(), "/mailsec/dmarc-evaluations/" + domain).size();
    }

    /** The message count of each DMARC report the mailbox host received about {@code domain}. */
    private List<Long> dmarcMessages(String domain) throws Exception {
        return dmarcReports().stream().filter(r -> r.policy().domain().equals(domain))
            .map(org.mailsec.dmarc.report.AggregateReport::messages).toList();
    }

    private List<org.mailsec.dmarc.report.AggregateReport> dmarcReports() throws Exception {
        List<org.mailsec.dmarc.report.AggregateReport> out = new ArrayList<>();
        for (LoopbackMx.Received m : mx.messages()) {
            if (m.recipients().contains("dmarc@reports.test")) {
                javax.mail.internet.MimeMessage mail = new javax.mail.internet.MimeMessage(
                    javax.mail.Session.getInstance(new java.util.Properties()), new java.io.ByteArrayInputStream(m.data()));
                javax.mail.internet.MimePart part = (javax.mail.internet.MimePart)
                    ((javax.mail.internet.MimeMultipart) mail.getContent()).getBodyPart(1);
                try (java.io.InputStream gz = new java.util.zip.GZIPInputStream(part.getInputStream())) {
                    byte[] xml = gz.readAllBytes();
                    org.mailsec.testing.DmarcSchemas.validateRfc9990(xml);
                    out.add(org.mailsec.dmarc.report.AggregateReportXml.read(xml));
                }
            }
        }
        return out;
    }

    /** Each node writes what it counted at most a second later; reading its results writes them now. */
    private void flushBothNodes() throws Exception {
        for (MailsecServer node : nodes) {
            E2e.get(node.webAdminPort(), "/mailsec/tls-results");
        }
    }

    private long reportsFor(String domain) throws Exception {
        return reports().stream().filter(r -> r.policies().get(0).policy().domain().equals(domain)).count();
    }

    private List<TlsReport> reports() throws Exception {
        List<TlsReport> out = new ArrayList<>();
        for (LoopbackMx.Received m : mx.messages()) {
            if (m.recipients().contains("tlsrpt@reports.test")) {
                out.addAll(new TlsReportReader().read(m.data(), "report.eml"));
            }
        }
        return out;
    }
}
