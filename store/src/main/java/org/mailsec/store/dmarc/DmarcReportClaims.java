package org.mailsec.store.dmarc;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Which node sends a policy domain's DMARC aggregate report of the period ending at a time: a node claims it until a
 * time (a crashed node's claim expires), and ends it with an outcome in the same transaction that removes the
 * evaluations the report held, so two nodes never report one evaluation twice.
 */
public interface DmarcReportClaims {

    /** How a claimed period ended. */
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

    /** True when {@code node} now holds the claim until {@code until} (fresh, expired, or already its own). */
    boolean claim(String policyDomain, Instant periodEnd, String node, Instant until, Instant now);

    /**
     * Ends the claim with {@code outcome} and removes the evaluations {@code reported} (their ids) in one transaction;
     * false, with nothing changed, when {@code node} no longer holds it.
     */
    boolean finish(String policyDomain, Instant periodEnd, String node, Outcome outcome, Instant begin, String reportId,
                   List<Long> reported, Instant now);

    /** Gives the claim up, nothing sent: the evaluations wait for the next period's report (a DNS temperror). */
    void release(String policyDomain, Instant periodEnd, String node);

    Optional<State> state(String policyDomain, Instant periodEnd);

    /** One period's state; {@code outcome} and {@code doneAt} are null until it is finished. */
    record State(String claimedBy, Instant claimedUntil, Instant periodBegin, String reportId, String outcome,
                 Instant doneAt) {
    }
}
