package org.mailsec.store.tlsreport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.testing.TestDatabases;
import org.mailsec.testing.TestData;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportReader;

/** Every real TLS report of shared/testdata stored, deduplicated, listed and summarised. */
class IncomingTlsReportsTest {

    static List<TlsReport> realReports() throws Exception {
        Path dir = TestData.file("tlsrpt-reports");
        List<TlsReport> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> !p.toString().endsWith("expected.json") && !p.toString().endsWith(".md")).sorted().toList()) {
                out.addAll(new TlsReportReader().read(Files.readAllBytes(f), f.getFileName().toString()));
            }
        }
        return out;
    }

    /**
     * Counts are bounded per report, not per period: a period's sum past 2^63-1 (here rows set to 2^62 in the
     * database, as enough big reports would add up to) shows the maximum and says it saturated, never wraps or fails.
     */
    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void sumsOverAPeriodSaturateAndSaySo(StoreConfig.Dialect dialect) throws Exception {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            IncomingTlsReports store = new JdbcIncomingTlsReports(db);
            Instant received = Instant.parse("2026-11-22T10:00:00Z");
            for (int i = 0; i < 3; i++) {
                String json = "{\"organization-name\":\"o\",\"report-id\":\"r" + i + "\",\"date-range\":{"
                    + "\"start-datetime\":\"2026-11-20T00:00:00Z\",\"end-datetime\":\"2026-11-20T23:59:59Z\"},"
                    + "\"policies\":[{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":\"big.example\"},"
                    + "\"summary\":{\"total-successful-session-count\":1000000000000,\"total-failure-session-count\":1}}]}";
                TlsReport r = new TlsReportReader().read(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), "r.json").get(0);
                assertThat(store.add(r, "big.example", "o.example", "t@o.example", false, received)).isPresent();
            }
            Instant from = Instant.parse("2026-11-01T00:00:00Z");
            Instant to = Instant.parse("2026-12-01T00:00:00Z");
            TlsReportSummary exact = store.summaries(from, to, Optional.empty()).get(0);
            assertThat(exact.success()).isEqualTo(3_000_000_000_000L);
            assertThat(exact.saturated()).isFalse();
            try (java.sql.Connection c = db.connection(); java.sql.Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE tls_report_incoming_policy SET success = 4611686018427387904");
            }
            TlsReportSummary big = store.summaries(from, to, Optional.empty()).get(0);
            assertThat(big.success()).isEqualTo(Long.MAX_VALUE);
            assertThat(big.failure()).isEqualTo(3);
            assertThat(big.saturated()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void storesEachReportOnceAndSummarises(StoreConfig.Dialect dialect) throws Exception {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            IncomingTlsReports store = new JdbcIncomingTlsReports(db);
            Instant received = Instant.parse("2026-11-22T10:00:00Z");
            List<TlsReport> reports = realReports();
            int stored = 0;
            for (TlsReport r : reports) {
                String domain = r.policies().isEmpty() ? "" : r.policies().get(0).policy().domain();
                if (store.add(r, domain, "reporter.example", "tlsrpt@reporter.example", false, received).isPresent()) {
                    stored++;
                }
            }
            // The same report mailed twice (as .json and inside an .eml) is stored once.
            long distinct = reports.stream().map(r -> r.organizationName() + "|" + r.reportId() + "|" + r.start() + "|" + r.end())
                .distinct().count();
            assertThat(stored).isEqualTo(distinct).isLessThan(reports.size());
            assertThat(store.add(reports.get(0), "x", "y", "z", false, received)).isEmpty();

            Instant from = Instant.parse("2016-04-01T00:00:00Z");
            Instant to = Instant.parse("2016-04-02T00:00:00Z");
            List<IncomingTlsReport> rfcDay = store.list(from, to, Optional.empty());
            assertThat(rfcDay).isNotEmpty().allSatisfy(r -> assertThat(r.report().start()).isBefore(to));
            List<IncomingTlsReport> everything = store.list(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), Optional.empty());
            List<IncomingTlsReport> page = store.list(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), Optional.empty(),
                new org.mailsec.store.Page(3, 2));
            assertThat(page).extracting(IncomingTlsReport::id)
                .containsExactlyElementsOf(everything.subList(2, 5).stream().map(IncomingTlsReport::id).toList());
            List<TlsReportListing> listed = store.listings(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), Optional.empty(),
                org.mailsec.store.Page.ALL);
            assertThat(listed).as("listings read from columns say what the stored reports say").hasSameSizeAs(everything);
            for (int i = 0; i < everything.size(); i++) {
                IncomingTlsReport full = everything.get(i);
                TlsReportListing row = listed.get(i);
                assertThat(row.id()).isEqualTo(full.id());
                assertThat(row.reportId()).isEqualTo(full.report().reportId());
                assertThat(row.organization()).isEqualTo(full.report().organizationName());
                assertThat(row.start()).isEqualTo(full.report().start());
                assertThat(row.success()).isEqualTo(full.report().totalSuccess());
                assertThat(row.failure()).isEqualTo(full.report().totalFailure());
            }
            IncomingTlsReport first = store.byId(rfcDay.get(0).id()).orElseThrow();
            assertThat(first.report()).isEqualTo(rfcDay.get(0).report());

            List<TlsReportSummary> all = store.summaries(Instant.EPOCH, Instant.parse("2030-01-01T00:00:00Z"), Optional.empty());
            long expectedSuccess = 0;
            List<String> seen = new ArrayList<>();
            for (TlsReport r : reports) {
                String id = r.organizationName() + "|" + r.reportId() + "|" + r.start() + "|" + r.end();
                if (!seen.contains(id)) {
                    seen.add(id);
                    expectedSuccess += r.totalSuccess();
                }
            }
            assertThat(all.stream().mapToLong(TlsReportSummary::success).sum()).isEqualTo(expectedSuccess);
            TlsReportSummary companyX = store.summaries(from, to, Optional.of("company-y.example")).get(0);
            assertThat(companyX.failuresByResultType()).isNotEmpty();

            // A report about two domains is listed under either.
            TlsReport.Policy second = new TlsReport.Policy("sts", List.of(), "second.example", List.of());
            TlsReport twoDomains = new TlsReport("Org", from, to.minusSeconds(1), "mailto:x@org.example", "two-domains",
                List.of(new TlsReport.PolicyResult(new TlsReport.Policy("sts", List.of(), "first.example", List.of()), 1, 0,
                    List.of()), new TlsReport.PolicyResult(second, 2, 0, List.of())));
            store.add(twoDomains, "first.example", "org.example", "x@org.example", false, received);
            stored++;
            assertThat(store.list(from, to, Optional.of("second.example"))).extracting(r -> r.report().reportId())
                .containsExactly("two-domains");
            assertThat(store.list(from, to, Optional.of("first.example"))).hasSize(1);

            assertThat(store.deleteReceivedBefore(received.plusSeconds(1))).isEqualTo(stored);
            assertThat(store.summaries(Instant.EPOCH, Instant.parse("2030-01-01T00:00:00Z"), Optional.empty())).isEmpty();
        }
    }
}
