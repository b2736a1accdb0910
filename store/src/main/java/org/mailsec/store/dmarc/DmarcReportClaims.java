package org.mailsec.store.dmarc;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Who may send a policy domain's DMARC aggregate reports now, and what became of each period's report. A run leases the
 * domain (one lease per domain whatever the period, so two runs never read the same evaluations); a crashed run's lease
 * expires. A report is recorded (id, period) before it is handed over, and finishing it removes the evaluations it held
 * in the same transaction: a report recorded but never finished is sent again, with the same id and period.
 */
public interface DmarcReportClaims {

    /** How a period's report ended. */
    enum Outcome {
        /** Queued to at least one destination. */
        SENT,
        /** The policy domain's record is gone, or has no rua any more: its evaluations are dropped. */
        NO_RECORD,
        /** No rua took the report (external ones not authorized, size limits, suppressions): dropped. */
        NO_DESTINATION;

        public String value() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** True when {@code holder} (one run: unique per run, not per node) now holds the domain until {@code until}. */
    boolean lease(String policyDomain, String holder, Instant until, Instant now);

    /** Gives the lease up (the run is done with the domain, or cannot go on with it now). Never fails the caller's run. */
    void release(String policyDomain, String holder);

    /**
     * Records the report made for a period before it is handed over: its id and begin, while {@code holder} holds the
     * lease (renewed until {@code until}; checked in the same transaction, so a run whose lease expired cannot hand a
     * report over). False when it does not, or when the period was finished already. Recording it again (a resent
     * report) keeps the first id and begin.
     */
    boolean record(String policyDomain, Instant periodEnd, Instant begin, String reportId, String holder, Instant until,
                   Instant now);

    /**
     * Ends a recorded period with {@code outcome} and removes the evaluations {@code reported} (their ids) in one
     * transaction, while {@code holder} holds the lease; false, with nothing changed, when it no longer does.
     */
    boolean finish(String policyDomain, Instant periodEnd, String holder, Outcome outcome, List<Long> reported, Instant now);

    /**
     * Periods recorded and never finished (their run died after handing the report over, or before), oldest first:
     * each is sent again, as it was, before any new report of the domain.
     */
    List<State> unfinished(String policyDomain);

    /** The end of the domain's latest recorded period: a new report never reaches back past it, nor is made before it. */
    Optional<Instant> latestPeriodEnd(String policyDomain);

    Optional<State> state(String policyDomain, Instant periodEnd);

    /** One period's report; {@code outcome} and {@code doneAt} are null until it is finished. */
    record State(Instant periodEnd, Instant periodBegin, String reportId, String outcome, Instant doneAt) {
    }
}
