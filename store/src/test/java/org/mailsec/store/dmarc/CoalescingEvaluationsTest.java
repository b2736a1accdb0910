package org.mailsec.store.dmarc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mailsec.store.dmarc.DmarcStoresTest.evaluation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.StoreException;
import org.mailsec.testing.TestDatabases;

class CoalescingEvaluationsTest {

    private static final Instant NOW = Instant.parse("2026-12-04T10:15:00Z");
    private static final Instant LATER = NOW.plusSeconds(60);
    /** Long enough that only the test's own calls write. */
    private static final Duration NEVER = Duration.ofHours(1);

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void queuedEvaluationsAreWrittenTogetherAndEveryReadSeesThem(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            JdbcEvaluations store = new JdbcEvaluations(db);
            CoalescingEvaluations writer = new CoalescingEvaluations(store, NEVER, 1000, new CoalescingEvaluations.Listener() { });
            writer.addAll(List.of(evaluation("example.com", NOW, "none"), evaluation("example.org", NOW, "none")));
            writer.addAll(List.of(evaluation("example.com", NOW, "quarantine")));
            assertThat(store.policyDomains()).as("nothing written yet").isEmpty();
            assertThat(writer.pending()).isEqualTo(3);
            assertThat(writer.anyAccepted("example.com")).as("answered from the queue").isTrue();
            assertThat(writer.anyAccepted("example.net")).isFalse();
            assertThat(writer.forDomain("example.com", LATER)).extracting(Evaluation::disposition)
                .containsExactly("none", "quarantine");
            assertThat(writer.pending()).isZero();
            writer.addAll(List.of(evaluation("example.net", NOW, "reject")));
            writer.close();
            assertThat(store.counts()).extracting(Evaluations.Count::policyDomain)
                .as("close writes what is left").containsExactly("example.com", "example.com", "example.net", "example.org");
            assertThatThrownBy(() -> writer.addAll(List.of(evaluation("example.com", NOW, "none"))))
                .isInstanceOf(IllegalStateException.class);
        }
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void aMailTheStoreRefusesIsSetAsideAndTheOthersAreStored(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            JdbcEvaluations store = new JdbcEvaluations(db);
            List<List<Evaluation>> setAside = new ArrayList<>();
            CoalescingEvaluations writer = new CoalescingEvaluations(store, NEVER, 1000, new CoalescingEvaluations.Listener() {
                @Override
                public void setAside(List<Evaluation> evaluations, RuntimeException error) {
                    setAside.add(evaluations);
                }
            });
            Evaluation broken = withoutDisposition(evaluation("example.net", NOW, "none"));
            writer.addAll(List.of(evaluation("example.com", NOW, "none")));
            writer.addAll(List.of(evaluation("example.net", NOW, "none"), broken));
            writer.addAll(List.of(evaluation("example.org", NOW, "none")));
            writer.flush();
            assertThat(store.policyDomains()).containsExactly("example.com", "example.org");
            assertThat(setAside).singleElement().asList().hasSize(2);
            assertThat(writer.pending()).isZero();
            writer.close();
        }
    }

    @Test
    void aFailedWriteKeepsEverythingInOrderUntilTheStoreIsBack() {
        try (Database db = Database.open(TestDatabases.fresh(StoreConfig.Dialect.H2))) {
            JdbcEvaluations real = new JdbcEvaluations(db);
            AtomicInteger outages = new AtomicInteger(2);
            AtomicInteger failedWrites = new AtomicInteger();
            Evaluations unavailable = new ForwardingEvaluations(real) {
                @Override
                public void addAll(List<Evaluation> evaluations) {
                    if (outages.getAndDecrement() > 0) {
                        throw new StoreException("database unavailable");
                    }
                    super.addAll(evaluations);
                }
            };
            CoalescingEvaluations writer = new CoalescingEvaluations(unavailable, NEVER, 1000, new CoalescingEvaluations.Listener() {
                @Override
                public void flushFailed(int evaluations, RuntimeException error) {
                    failedWrites.incrementAndGet();
                }
            });
            writer.addAll(List.of(evaluation("example.com", NOW, "none")));
            assertThatThrownBy(writer::flush).isInstanceOf(StoreException.class);
            writer.addAll(List.of(evaluation("example.com", NOW.plusSeconds(1), "reject")));
            assertThatThrownBy(writer::flush).isInstanceOf(StoreException.class);
            assertThat(writer.pending()).isEqualTo(2);
            assertThat(writer.problem(Duration.ZERO)).get().asString().contains("2 waiting", "database unavailable");
            writer.flush();
            assertThat(real.forDomain("example.com", LATER)).extracting(Evaluation::disposition).containsExactly("none", "reject");
            assertThat(writer.problem(Duration.ZERO)).isEmpty();
            assertThat(failedWrites).hasValue(2);
            writer.close();
        }
    }

    /** A batch refused for one mail's content, then an outage while the mails are written one by one. */
    @Test
    void anOutageWhileMailsAreWrittenOneByOneKeepsTheRestAndSaysSo() {
        try (Database db = Database.open(TestDatabases.fresh(StoreConfig.Dialect.H2))) {
            JdbcEvaluations real = new JdbcEvaluations(db);
            AtomicInteger outages = new AtomicInteger(1);
            Evaluations flaky = new ForwardingEvaluations(real) {
                @Override
                public void addAll(List<Evaluation> evaluations) {
                    if (evaluations.size() == 1 && evaluations.get(0).policyDomain().equals("example.org")
                            && outages.getAndDecrement() > 0) {
                        throw new StoreException("database unavailable");
                    }
                    super.addAll(evaluations);
                }
            };
            CoalescingEvaluations writer = new CoalescingEvaluations(flaky, NEVER, 1000, new CoalescingEvaluations.Listener() { });
            writer.addAll(List.of(evaluation("example.com", NOW, "none")));
            writer.addAll(List.of(withoutDisposition(evaluation("example.net", NOW, "none"))));
            writer.addAll(List.of(evaluation("example.org", NOW, "none")));
            assertThatThrownBy(writer::flush).isInstanceOf(StoreException.class);
            assertThat(real.policyDomains()).containsExactly("example.com");
            assertThat(writer.pending()).as("the mail the outage stopped, the set-aside one gone").isEqualTo(1);
            assertThat(writer.problem(Duration.ZERO)).get().asString().contains("1 waiting");
            writer.flush();
            assertThat(real.policyDomains()).containsExactly("example.com", "example.org");
            assertThat(writer.problem(Duration.ZERO)).isEmpty();
            writer.close();
        }
    }

    @Test
    void aFullQueueMakesAddersWaitForAWrite() throws Exception {
        try (Database db = Database.open(TestDatabases.fresh(StoreConfig.Dialect.H2))) {
            JdbcEvaluations store = new JdbcEvaluations(db);
            AtomicInteger waits = new AtomicInteger();
            CoalescingEvaluations writer = new CoalescingEvaluations(store, NEVER, 2, new CoalescingEvaluations.Listener() {
                @Override
                public void backPressure() {
                    waits.incrementAndGet();
                }
            });
            for (int i = 0; i < 5; i++) {
                writer.addAll(List.of(evaluation("example.com", NOW.plusSeconds(i), "none")));
            }
            assertThat(waits.get()).isPositive();
            assertThat(writer.pending()).isLessThanOrEqualTo(2);
            writer.close();
            assertThat(store.forDomain("example.com", LATER)).hasSize(5);
        }
    }

    private static Evaluation withoutDisposition(Evaluation e) {
        return new Evaluation(0, e.policyDomain(), e.evaluated(), e.intervalHours(), e.addresses(), e.policyPublished(),
            e.optional(), e.sourceIp(), null, false, false, List.of(), "", "", e.headerFrom(), List.of(), List.of());
    }

    /** The real store, for a test to change one method of. */
    private static class ForwardingEvaluations implements Evaluations {
        private final Evaluations real;

        ForwardingEvaluations(Evaluations real) {
            this.real = real;
        }

        @Override
        public Evaluation add(Evaluation evaluation) {
            return real.add(evaluation);
        }

        @Override
        public void addAll(List<Evaluation> evaluations) {
            real.addAll(evaluations);
        }

        @Override
        public List<String> policyDomains() {
            return real.policyDomains();
        }

        @Override
        public List<Pending> pending(Instant until) {
            return real.pending(until);
        }

        @Override
        public List<Evaluation> forDomain(String policyDomain, Instant until) {
            return real.forDomain(policyDomain, until);
        }

        @Override
        public int deleteForDomain(String policyDomain, Instant until) {
            return real.deleteForDomain(policyDomain, until);
        }

        @Override
        public boolean anyAccepted(String policyDomain) {
            return real.anyAccepted(policyDomain);
        }

        @Override
        public List<Count> counts() {
            return real.counts();
        }

        @Override
        public int deleteBefore(Instant cutoff) {
            return real.deleteBefore(cutoff);
        }
    }
}
