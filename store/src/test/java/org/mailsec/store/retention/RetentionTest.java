package org.mailsec.store.retention;

import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.testing.TestDatabases;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.store.dmarc.DmarcStoresTest;
import org.mailsec.store.dmarc.JdbcEvaluations;
import org.mailsec.store.dmarc.JdbcIncomingDmarcReports;
import org.mailsec.store.policy.CachedPolicy;
import org.mailsec.store.policy.JdbcPolicyCache;
import org.mailsec.store.tlsreport.JdbcIncomingTlsReports;
import org.mailsec.store.rejected.JdbcRejectedReports;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.store.tls.JdbcTlsResultStore;
import org.mailsec.store.tls.TlsResultKey;

class RetentionTest {

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void forgetsResultsAfter48HoursAndPoliciesUnusedFor180Days(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            Instant now = Instant.parse("2026-11-22T10:00:00Z");
            JdbcTlsResultStore results = new JdbcTlsResultStore(db);
            for (int daysAgo = 0; daysAgo <= 3; daysAgo++) {
                LocalDate day = LocalDate.of(2026, 11, 22).minusDays(daysAgo);
                results.add(Map.of(new TlsResultKey("example.com", day, "example.com", false, false, "sts", java.util.List.of(),
                    "mx.example.com", "", "", "", "", "", ""), 1L));
            }
            JdbcPolicyCache policies = new JdbcPolicyCache(db);
            policies.put(new CachedPolicy("used.example", now, now, now, now.minus(Duration.ofDays(10)), false, "1", "enforce", "x"));
            policies.put(new CachedPolicy("unused.example", now, now, now, now.minus(Duration.ofDays(181)), false, "1", "enforce", "x"));
            JdbcEvaluations evaluations = new JdbcEvaluations(db);
            evaluations.add(DmarcStoresTest.evaluation("example.com", now.minus(Duration.ofDays(8)), "none"));
            evaluations.add(DmarcStoresTest.evaluation("example.com", now.minus(Duration.ofDays(1)), "none"));

            JdbcRejectedReports rejected = new JdbcRejectedReports(db);
            rejected.add(RejectedReport.of(RejectedReport.Kind.TLS, now.minus(Duration.ofDays(366)), "old", "", "", "", "x"));
            rejected.add(RejectedReport.of(RejectedReport.Kind.TLS, now.minus(Duration.ofDays(2)), "new", "", "", "", "x"));

            Retention.Removed removed = new Retention(results, policies, evaluations, new JdbcIncomingTlsReports(db),
                new JdbcIncomingDmarcReports(db), rejected, new org.mailsec.store.suppression.JdbcSuppressionList(db),
                Duration.ofDays(365)).run(now);

            // 48 hours before 2026-11-22T10:00Z is 2026-11-20T10:00Z: days 19 and earlier go, 20 stays.
            assertThat(removed.tlsResults()).isEqualTo(1);
            assertThat(results.results("example.com", LocalDate.of(2026, 11, 20))).hasSize(1);
            assertThat(removed.policies()).isEqualTo(1);
            assertThat(policies.all()).extracting(CachedPolicy::domain).containsExactly("used.example");
            assertThat(removed.evaluations()).isEqualTo(1);
            assertThat(removed.rejectedReports()).isEqualTo(1);
            assertThat(rejected.list(RejectedReport.Kind.TLS, Instant.EPOCH, now, 10)).extracting(RejectedReport::mailName)
                .containsExactly("new");
        }
    }
}
