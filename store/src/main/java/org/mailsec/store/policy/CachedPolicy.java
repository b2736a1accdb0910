package org.mailsec.store.policy;

import java.time.Instant;

/**
 * A cached MTA-STS policy (RFC 8461 §5).
 *
 * @param domain     the recipient domain
 * @param inserted   first cached
 * @param validEnd   last fetch plus max_age: until then the policy applies even if DNS or HTTPS fail
 * @param lastUpdate last successful fetch or check of the record id
 * @param lastUse    last delivery that used it (unused policies are dropped after 180 days)
 * @param backoff    the last refetch failed: wait 5 minutes before trying again
 * @param recordId   the {@code id} of the {@code _mta-sts} record the policy was fetched for
 * @param mode       enforce, testing or none
 * @param policyText the policy as fetched
 */
public record CachedPolicy(String domain, Instant inserted, Instant validEnd, Instant lastUpdate, Instant lastUse,
                           boolean backoff, String recordId, String mode, String policyText) {
}
