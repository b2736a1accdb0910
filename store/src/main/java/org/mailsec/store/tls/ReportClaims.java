package org.mailsec.store.tls;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Optional;

/**
 * Which node sends the daily report of a (policy domain, day): a node claims it until a time; a crashed
 * node's claim expires and another node may take it; a sent report is never claimed again.
 */
public interface ReportClaims {

    /** True when {@code node} now holds the claim until {@code until} (fresh, expired, or already its own). */
    boolean claim(String policyDomain, LocalDate day, String node, Instant until, Instant now);

    /** Records that {@code node} sent the report; false when it no longer held the claim. */
    boolean markSent(String policyDomain, LocalDate day, String node, Instant sentAt);

    /**
     * {@link #markSent} and {@link #recordDelivery} in one step; false when {@code node} no longer held the claim
     * (then nothing is recorded).
     */
    default boolean markSent(String policyDomain, LocalDate day, String node, Instant sentAt, boolean toRecipientDomain,
                             boolean toPolicyDomain, String recipientDomainRua) {
        if (!markSent(policyDomain, day, node, sentAt)) {
            return false;
        }
        recordDelivery(policyDomain, day, toRecipientDomain, toPolicyDomain, recipientDomainRua);
        return true;
    }

    /** Whether the report of that day was sent. */
    boolean sent(String policyDomain, LocalDate day);

    /**
     * What the holder of the claim sent: the report to the recipient domain and/or to the policy domain
     * (an MX host's own rua), and the recipient domain's reporting addresses (host reports skip those).
     */
    void recordDelivery(String policyDomain, LocalDate day, boolean toRecipientDomain, boolean toPolicyDomain,
                        String recipientDomainRua);

    /** The send state of a (policy domain, day), if it was ever claimed. */
    Optional<SendState> state(String policyDomain, LocalDate day);

    /** The send state of one (policy domain, day). */
    record SendState(String claimedBy, Instant claimedUntil, Instant sentAt, boolean sentToRecipientDomain,
                     boolean sentToPolicyDomain, String recipientDomainRua) {
    }
}
