package org.mailsec.store.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.testing.TestDatabases;

class DmarcReportClaimsTest {

    private static final Instant END = Instant.parse("2026-12-04T00:00:00Z");
    private static final Instant NOW = END.plusSeconds(60);

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void oneOfTwoRunsLeasesADomainAndFinishingRemovesExactlyTheReportedEvaluations(StoreConfig.Dialect dialect)
            throws Exception {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            Evaluations evaluations = new JdbcEvaluations(db);
            DmarcReportClaims claims = new JdbcDmarcReportClaims(db);
            Evaluation reported = evaluations.add(DmarcStoresTest.evaluation("example.com", END.minusSeconds(3600), "none"));
            // Stored after the report was read: it must wait for the next one, not vanish with this one.
            Evaluation late = evaluations.add(DmarcStoresTest.evaluation("example.com", END.minusSeconds(1), "none"));

            ExecutorService pool = Executors.newFixedThreadPool(2);
            List<Future<Boolean>> tries = new ArrayList<>();
            for (String run : List.of("node-a/1", "node-a/2")) {
                Callable<Boolean> attempt = () -> claims.lease("example.com", run, NOW.plusSeconds(600), NOW);
                tries.add(pool.submit(attempt));
            }
            List<String> winners = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                if (tries.get(i).get()) {
                    winners.add(i == 0 ? "node-a/1" : "node-a/2");
                }
            }
            pool.shutdown();
            assertThat(winners).as("two runs of one node are two holders").hasSize(1);
            String winner = winners.get(0);
            String loser = winner.equals("node-a/1") ? "node-a/2" : "node-a/1";

            assertThat(claims.record("example.com", END, END.minusSeconds(86400), "r1", loser, NOW.plusSeconds(600), NOW))
                .as("only the holder records, and so hands a report over").isFalse();
            assertThat(claims.record("example.com", END, END.minusSeconds(86400), "r1", winner, NOW.plusSeconds(600), NOW))
                .isTrue();
            assertThat(claims.unfinished("example.com")).extracting(DmarcReportClaims.State::reportId).containsExactly("r1");
            assertThat(claims.finish("example.com", END, loser, DmarcReportClaims.Outcome.SENT, List.of(reported.id()), NOW))
                .as("only the holder finishes").isFalse();
            assertThat(claims.finish("example.com", END, winner, DmarcReportClaims.Outcome.SENT, List.of(reported.id()), NOW))
                .isTrue();
            assertThat(evaluations.forDomain("example.com", END)).extracting(Evaluation::id).containsExactly(late.id());
            DmarcReportClaims.State state = claims.state("example.com", END).orElseThrow();
            assertThat(state.outcome()).isEqualTo("sent");
            assertThat(state.reportId()).isEqualTo("r1");
            assertThat(claims.unfinished("example.com")).isEmpty();
            assertThat(claims.record("example.com", END, END, "r2", winner, NOW.plusSeconds(600), NOW))
                .as("a finished period is never recorded again").isFalse();
            assertThat(claims.latestPeriodEnd("example.com")).contains(END);
        }
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void aCrashedRunsLeaseExpiresItsRecordedReportStaysUnfinishedAndAReleasedLeaseIsFreeAtOnce(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            DmarcReportClaims claims = new JdbcDmarcReportClaims(db);
            assertThat(claims.lease("example.com", "node-a/1", NOW.plus(Duration.ofMinutes(10)), NOW)).isTrue();
            assertThat(claims.record("example.com", END, END.minusSeconds(86400), "r1", "node-a/1", NOW.plus(Duration.ofMinutes(10)),
                NOW)).isTrue();
            assertThat(claims.lease("example.com", "node-b/1", NOW.plus(Duration.ofMinutes(20)), NOW.plusSeconds(60))).isFalse();
            assertThat(claims.record("example.com", END.plusSeconds(3600), END, "late", "node-a/1",
                NOW.plus(Duration.ofMinutes(40)), NOW.plus(Duration.ofMinutes(11)))).as("its lease expired: it hands nothing over")
                .isFalse();
            assertThat(claims.lease("example.com", "node-b/1", NOW.plus(Duration.ofMinutes(30)), NOW.plus(Duration.ofMinutes(11))))
                .as("node-a's lease expired").isTrue();
            assertThat(claims.unfinished("example.com")).extracting(DmarcReportClaims.State::reportId).as("to send again as it was")
                .containsExactly("r1");
            assertThat(claims.record("example.com", END, END, "other", "node-b/1", NOW.plus(Duration.ofMinutes(30)),
                NOW.plus(Duration.ofMinutes(11)))).as("recorded again: still r1").isTrue();
            assertThat(claims.state("example.com", END).orElseThrow().reportId()).isEqualTo("r1");
            claims.release("example.com", "node-b/1");
            assertThat(claims.lease("example.com", "node-a/2", NOW.plus(Duration.ofMinutes(40)), NOW.plus(Duration.ofMinutes(12))))
                .isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void onlyDomainsWithAnEvaluationThatIsNotOptionalAwaitAReportAtTheirShortestInterval(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            Evaluations evaluations = new JdbcEvaluations(db);
            Evaluation daily = DmarcStoresTest.evaluation("daily.example", END.minusSeconds(60), "none");
            evaluations.add(daily);
            evaluations.add(withInterval(DmarcStoresTest.evaluation("daily.example", END.minusSeconds(30), "none"), 6));
            evaluations.add(optional(DmarcStoresTest.evaluation("optional.example", END.minusSeconds(60), "reject")));
            evaluations.add(DmarcStoresTest.evaluation("later.example", END.plusSeconds(1), "none"));
            assertThat(evaluations.pending(END)).containsExactly(new Evaluations.Pending("daily.example", 6));
        }
    }

    private static Evaluation withInterval(Evaluation e, int hours) {
        return new Evaluation(0, e.policyDomain(), e.evaluated(), hours, e.addresses(), e.policyPublished(), e.optional(),
            e.sourceIp(), e.disposition(), e.alignedDkimPass(), e.alignedSpfPass(), e.overrideReasons(), e.envelopeTo(),
            e.envelopeFrom(), e.headerFrom(), e.dkimResults(), e.spfResults());
    }

    private static Evaluation optional(Evaluation e) {
        return new Evaluation(0, e.policyDomain(), e.evaluated(), e.intervalHours(), e.addresses(), e.policyPublished(), true,
            e.sourceIp(), e.disposition(), e.alignedDkimPass(), e.alignedSpfPass(), e.overrideReasons(), e.envelopeTo(),
            e.envelopeFrom(), e.headerFrom(), e.dkimResults(), e.spfResults());
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void theTwoUtcHoursOfTheAutumnClockChangeStayTwoHours(StoreConfig.Dialect dialect) {
        // The surefire JVM runs in Europe/Berlin, where 00:00Z and 01:00Z on 2026-10-25 are both 02:00 local time.
        Instant first = Instant.parse("2026-10-25T00:00:00Z");
        Instant second = Instant.parse("2026-10-25T01:00:00Z");
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            DmarcReportClaims claims = new JdbcDmarcReportClaims(db);
            Evaluations evaluations = new JdbcEvaluations(db);
            assertThat(claims.lease("example.com", "run/1", second.plusSeconds(600), second)).isTrue();
            assertThat(claims.record("example.com", first, first.minusSeconds(3600), "r1", "run/1", second.plusSeconds(600),
                second)).isTrue();
            assertThat(claims.record("example.com", second, first, "r2", "run/1", second.plusSeconds(600), second))
                .as("another period, not the same one again").isTrue();
            assertThat(claims.state("example.com", second).orElseThrow().reportId()).isEqualTo("r2");
            assertThat(claims.unfinished("example.com")).extracting(DmarcReportClaims.State::periodEnd)
                .containsExactly(first, second);
            evaluations.add(DmarcStoresTest.evaluation("example.com", second.plusSeconds(30), "none"));
            assertThat(evaluations.forDomain("example.com", second.plusSeconds(60))).extracting(Evaluation::evaluated)
                .containsExactly(second.plusSeconds(30));
            assertThat(evaluations.forDomain("example.com", second)).as("not an hour earlier").isEmpty();
        }
    }
}
