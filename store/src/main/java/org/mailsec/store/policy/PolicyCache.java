package org.mailsec.store.policy;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The persistent MTA-STS policy cache, shared by the James nodes using the store. */
public interface PolicyCache {

    Optional<CachedPolicy> get(String domain);

    /** Inserts or replaces the policy of {@code policy.domain()}. */
    void put(CachedPolicy policy);

    /** Notes that a delivery used the policy. */
    void touch(String domain, Instant lastUse);

    /** Marks a failed refetch (back off), or clears the mark. */
    void setBackoff(String domain, boolean backoff, Instant at);

    List<CachedPolicy> all();

    boolean delete(String domain);

    /** Retention: removes policies no delivery used since {@code cutoff}; returns how many went. */
    int deleteUnusedSince(Instant cutoff);
}
