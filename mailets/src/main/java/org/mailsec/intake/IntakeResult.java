package org.mailsec.intake;

import java.util.List;
import java.util.Optional;

/**
 * What became of the reports in one arrival: the ids of those stored now, how many were stored already, and
 * why the others were not.
 *
 * @param dkim the DKIM verdict of a mail; empty for a post
 */
public record IntakeResult(List<String> storedIds, int duplicates, List<Refusal> refusals,
                           Optional<DkimAlignment.Verdict> dkim) {

    /** Why a report was not stored. */
    public enum Cause {
        /** Not a report of this kind, malformed, too large or a bomb. */
        UNREADABLE,
        /** {@code requireAlignedDkim} and no aligned DKIM pass. */
        UNAUTHENTICATED,
        /** {@code onlyOurDomains} and about none of our names. */
        NOT_OURS,
        /** The store failed; the sender retries (a post), so nothing was recorded as refused. */
        STORE_UNAVAILABLE,
        /** The store failed and the sender will not retry (a mail goes on to the mailbox): recorded as refused. */
        STORE_REFUSED
    }

    public record Refusal(Cause cause, String reason) {
    }

    /** Whether at least one report is now in the store, stored by this arrival or an earlier one. */
    public boolean taken() {
        return !storedIds.isEmpty() || duplicates > 0;
    }

    /** Whether the arrival was read and authenticated as required, whatever became of its reports then. */
    public boolean read() {
        return refusals.stream().noneMatch(r -> r.cause() == Cause.UNREADABLE || r.cause() == Cause.UNAUTHENTICATED);
    }

    public Optional<Refusal> first(Cause cause) {
        return refusals.stream().filter(r -> r.cause() == cause).findFirst();
    }

    public Optional<Refusal> lastRefusal() {
        return refusals.isEmpty() ? Optional.empty() : Optional.of(refusals.get(refusals.size() - 1));
    }
}
