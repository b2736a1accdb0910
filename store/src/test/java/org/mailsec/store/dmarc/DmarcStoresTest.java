package org.mailsec.store.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.dmarc.report.AggregateReportReader;
import org.mailsec.io.RejectedInputException;
import org.mailsec.store.Database;
import org.mailsec.store.retention.Retention;
import org.mailsec.store.StoreConfig;
import org.mailsec.testing.TestDatabases;
import org.mailsec.testing.TestData;
import org.mailsec.store.policy.JdbcPolicyCache;
import org.mailsec.store.tlsreport.JdbcIncomingTlsReports;
import org.mailsec.store.tls.JdbcTlsResultStore;

public class DmarcStoresTest {

    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    public static Evaluation evaluation(String domain, Instant at, String disposition) {
        return new Evaluation(0, domain, at, 24, List.of("mailto:dmarc@" + domain),
            new AggregateReport.PolicyPublished(domain, "r", "r", "reject", "reject", null, 100, "0", null, null), false,
            "192.0.2.9", disposition, false, true, List.of(new AggregateReport.Reason("forwarded", "list")), "us.example",
            "bounce." + domain, domain, List.of(new AggregateReport.DkimAuth(domain, "s1", "fail", null)),
            List.of(new AggregateReport.SpfAuth(domain, "mfrom", "pass")));
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void aMailsEvaluationsAreStoredAllOrNone(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            Evaluations evaluations = new JdbcEvaluations(db);
            evaluations.addAll(List.of(evaluation("example.com", NOW, "none"), evaluation("example.com", NOW, "reject"),
                evaluation("example.org", NOW, "none")));
            assertThat(evaluations.forDomain("example.com", NOW.plusSeconds(1))).hasSize(2);
            Evaluation broken = new Evaluation(0, "example.net", NOW, 24, List.of(), evaluation("example.net", NOW, "none")
                .policyPublished(), false, "192.0.2.1", null, false, false, List.of(), "", "", "example.net", List.of(), List.of());
            try {
                evaluations.addAll(List.of(evaluation("example.net", NOW, "none"), broken));
            } catch (org.mailsec.store.StoreException expected) {
                // the disposition column is NOT NULL
            }
            assertThat(evaluations.forDomain("example.net", NOW.plusSeconds(1))).as("none of the failed batch").isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void evaluationsWaitForTheirReport(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            Evaluations evaluations = new JdbcEvaluations(db);
            Evaluation first = evaluations.add(evaluation("example.com", NOW.minusSeconds(7200), "none"));
            evaluations.add(evaluation("example.com", NOW.minusSeconds(60), "reject"));
            evaluations.add(evaluation("example.org", NOW.minusSeconds(60), "none"));
            assertThat(first.id()).isPositive();
            assertThat(evaluations.policyDomains()).containsExactly("example.com", "example.org");
            List<Evaluation> due = evaluations.forDomain("example.com", NOW.minusSeconds(3600));
            assertThat(due).containsExactly(first);
            assertThat(evaluations.deleteForDomain("example.com", NOW.minusSeconds(3600))).isEqualTo(1);
            assertThat(evaluations.forDomain("example.com", NOW)).singleElement().extracting(Evaluation::disposition).isEqualTo("reject");
        }
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void evaluationsAreCountedPerDomainAndDispositionAndAcceptedMailIsKnown(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            Evaluations evaluations = new JdbcEvaluations(db);
            evaluations.add(evaluation("example.com", NOW, "reject"));
            assertThat(evaluations.anyAccepted("example.com")).as("only rejected so far").isFalse();
            evaluations.add(evaluation("example.com", NOW, "none"));
            evaluations.add(evaluation("example.com", NOW, "none"));
            Evaluation optional = evaluation("example.org", NOW, "reject");
            evaluations.add(new Evaluation(0, optional.policyDomain(), NOW, 24, optional.addresses(), optional.policyPublished(),
                true, optional.sourceIp(), "reject", false, false, List.of(), "us.example", "", "example.org", List.of(),
                List.of()));
            assertThat(evaluations.anyAccepted("example.com")).isTrue();
            assertThat(evaluations.anyAccepted("example.org")).isFalse();
            assertThat(evaluations.counts()).containsExactly(
                new Evaluations.Count("example.com", "none", 2, 0),
                new Evaluations.Count("example.com", "reject", 1, 0),
                new Evaluations.Count("example.org", "reject", 1, 1));
        }
    }

    static List<AggregateReport> realReports() throws Exception {
        Path dir = TestData.file("dmarc-aggregate");
        List<AggregateReport> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> !p.toString().endsWith(".json") && !p.toString().endsWith(".md")).sorted().toList()) {
                try {
                    out.addAll(new AggregateReportReader().read(Files.readAllBytes(f), f.getFileName().toString()));
                } catch (RejectedInputException brokenOnPurpose) {
                    // the see-note files mailsec refuses
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void everyRealReportIsStoredOnceAndSummarised(StoreConfig.Dialect dialect) throws Exception {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            IncomingDmarcReports store = new JdbcIncomingDmarcReports(db);
            List<AggregateReport> reports = realReports();
            List<String> distinct = new ArrayList<>();
            long messages = 0;
            long pass = 0;
            for (AggregateReport r : reports) {
                String id = r.metadata().orgName() + "|" + r.metadata().reportId() + "|" + r.metadata().begin() + "|" + r.metadata().end();
                boolean stored = store.add(r, "reporter.example", false, NOW).isPresent();
                assertThat(stored).as(id).isEqualTo(!distinct.contains(id));
                if (stored) {
                    distinct.add(id);
                    messages += r.messages();
                    pass += r.dmarcPassMessages();
                }
            }
            assertThat(distinct.size()).isGreaterThan(30).isLessThan(reports.size());
            List<DmarcReportSummary> summaries = store.summaries(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), Optional.empty());
            assertThat(summaries.stream().mapToLong(DmarcReportSummary::messages).sum()).isEqualTo(messages);
            assertThat(summaries.stream().mapToLong(DmarcReportSummary::dmarcPass).sum()).isEqualTo(pass);
            assertThat(summaries).allSatisfy(s -> assertThat(s.dispositionNone() + s.dispositionQuarantine() + s.dispositionReject())
                .isEqualTo(s.messages()));
            DmarcReportSummary example = store.summaries(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"),
                Optional.of("example.com")).get(0);
            assertThat(example.reports()).isPositive();
            long id = store.list(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), Optional.of("example.com"),
                org.mailsec.store.Page.ALL).get(0).id();
            // The listing, from columns, says what the full reports say.
            List<DmarcReportListing> listed = store.list(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), Optional.empty(),
                org.mailsec.store.Page.ALL);
            assertThat(listed).hasSize(distinct.size()).allSatisfy(l -> {
                AggregateReport full = store.byId(l.id()).orElseThrow().report();
                assertThat(l.records()).isEqualTo(full.records().size());
                assertThat(l.messages()).isEqualTo(full.messages());
                assertThat(l.dmarcPass()).isEqualTo(full.dmarcPassMessages());
                assertThat(l.reportId()).isEqualTo(org.mailsec.store.Columns.fit(full.metadata().reportId(), org.mailsec.store.Columns.NAME));
            });
            assertThat(store.byId(id).orElseThrow().report().policy().domain()).isEqualTo("example.com");

            Retention.Removed removed = new Retention(new JdbcTlsResultStore(db), new JdbcPolicyCache(db), new JdbcEvaluations(db),
                new JdbcIncomingTlsReports(db), store, new org.mailsec.store.rejected.JdbcRejectedReports(db),
                new org.mailsec.store.suppression.JdbcSuppressionList(db), Duration.ofDays(30)).run(NOW.plus(Duration.ofDays(31)));
            assertThat(removed.dmarcReports()).isEqualTo(distinct.size());
        }
    }

    /** A period's sum past 2^63-1 shows the maximum and says it saturated; it never wraps and never fails the route. */
    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void sumsOverAPeriodSaturateAndSaySo(StoreConfig.Dialect dialect) throws Exception {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            IncomingDmarcReports store = new JdbcIncomingDmarcReports(db);
            List<String> domains = new ArrayList<>();
            for (AggregateReport r : realReports()) {
                if (r.policy().domain().equals("example.com") && store.add(r, "reporter.example", false, NOW).isPresent()) {
                    domains.add(r.policy().domain());
                }
            }
            assertThat(domains.size()).isGreaterThanOrEqualTo(2);
            Instant end = Instant.parse("2100-01-01T00:00:00Z");
            assertThat(store.summaries(Instant.EPOCH, end, Optional.of("example.com")).get(0).saturated()).isFalse();
            try (java.sql.Connection c = db.connection(); java.sql.Statement st = c.createStatement()) {
                // What enough reports at the per-report cap would add up to.
                st.executeUpdate("UPDATE dmarc_report_incoming SET messages = 9223372036854775807, dmarc_pass = 1");
            }
            DmarcReportSummary big = store.summaries(Instant.EPOCH, end, Optional.of("example.com")).get(0);
            assertThat(big.messages()).isEqualTo(Long.MAX_VALUE);
            assertThat(big.dmarcPass()).isEqualTo(domains.size());
            assertThat(big.saturated()).isTrue();
        }
    }

    /** A store holding reports from before record counts were columns gets them from the stored XML, once. */
    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void reportsStoredBeforeVersion8GetTheirRecordCount(StoreConfig.Dialect dialect) throws Exception {
        StoreConfig config = TestDatabases.fresh(dialect);
        org.flywaydb.core.Flyway.configure().dataSource(config.jdbcUrl(), config.user(), config.password())
            .locations("classpath:db/migration").target("7").load().migrate();
        AggregateReport report = realReports().stream().filter(r -> r.records().size() > 1).findFirst().orElseThrow();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password());
             java.sql.PreparedStatement insert = c.prepareStatement("INSERT INTO dmarc_report_incoming (organization, report_id, "
                 + "begin_at, end_at, domain, from_domain, received_at, messages, dmarc_pass, disposition_none, "
                 + "disposition_quarantine, disposition_reject, dkim_fail, spf_fail, policy_overrides, report_xml, unauthenticated) "
                 + "VALUES ('org', 'old-1', ?, ?, 'example.com', 'reporter.example', ?, 5, 5, 5, 0, 0, 0, 0, 0, ?, false)")) {
            insert.setObject(1, java.time.OffsetDateTime.parse("2026-01-01T00:00:00Z"));
            insert.setObject(2, java.time.OffsetDateTime.parse("2026-01-02T00:00:00Z"));
            insert.setObject(3, java.time.OffsetDateTime.parse("2026-01-02T01:00:00Z"));
            insert.setString(4, new String(org.mailsec.dmarc.report.AggregateReportXml.write(report, false),
                java.nio.charset.StandardCharsets.UTF_8));
            insert.executeUpdate();
        }
        try (Database db = Database.open(config)) {
            List<DmarcReportListing> listed = new JdbcIncomingDmarcReports(db).list(Instant.EPOCH,
                Instant.parse("2100-01-01T00:00:00Z"), Optional.empty(), org.mailsec.store.Page.ALL);
            assertThat(listed).singleElement().satisfies(l -> assertThat(l.records()).isEqualTo(report.records().size()));
        }
    }
}
