package org.mailsec.store.tls;

import java.time.Instant;
import java.time.LocalDate;

/**
 * Which node sends the daily report of a (policy domain, day): a node claims it until a time; a crashed
 * node's claim expires and another node may take it; a sent report is never claimed again.
 */
public interface ReportClaims {

    /** True when {@code node} now holds the claim until {@code until} (fresh, expired, or already its own). */
    boolean claim(String policyDomain, LocalDate day, String node, Instant until, Instant now);

    /** Records that {@code node} sent the report; false when it no longer held the claim. */
    boolean markSent(String policyDomain, LocalDate day, String node, Instant sentAt);

    /** Whether the report of that day was sent. */
    boolean sent(String policyDomain, LocalDate day);
}
