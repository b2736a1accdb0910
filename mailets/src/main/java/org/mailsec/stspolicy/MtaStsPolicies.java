package org.mailsec.stspolicy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.mailsec.mtasts.MtaStsLookup;
import org.mailsec.mtasts.MtaStsPolicy;
import org.mailsec.mtasts.MtaStsPolicyFetcher;
import org.mailsec.mtasts.MtaStsRecord;
import org.mailsec.mtasts.PolicyFetch;
import org.mailsec.record.RecordException;
import org.mailsec.record.TxtRecordLookup;
import org.mailsec.store.StoreException;
import org.mailsec.store.policy.CachedPolicy;
import org.mailsec.store.policy.PolicyCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MTA-STS policies delivery applies (RFC 8461 §5): the {@code _mta-sts} record is checked on each
 * delivery (through the DNS cache), the policy is fetched when none is cached or the record's id changed,
 * and kept in the persistent {@link PolicyCache} so every James node and every restart sees it. A cached
 * policy outlives DNS and HTTPS outages until its max_age ends; a failed fetch is not retried for
 * five minutes. Hot policies are also kept parsed in memory, so a cached decision costs a map lookup.
 */
public final class MtaStsPolicies {

    /** Fetch and decision events, for metrics. */
    public interface Listener {
        default void fetched(String domain, PolicyFetch fetch) {
        }

        default void cacheError(String domain, RuntimeException error) {
        }
    }

    public static final Duration BACKOFF = Duration.ofMinutes(5);
    /** lastUse is written back to the store at most this often per policy (it only drives retention). */
    private static final Duration TOUCH_INTERVAL = Duration.ofHours(1);
    private static final int MAX_REMEMBERED_FAILURES = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(MtaStsPolicies.class);

    private record Hot(CachedPolicy cached, MtaStsPolicy policy, Instant touched) {
    }

    /** The valid cached policy, if any; {@code unreadable} when the store could not say. */
    private record Current(Optional<Hot> hot, boolean unreadable) {
        boolean isPresent() {
            return hot.isPresent();
        }

        Hot get() {
            return hot.orElseThrow();
        }
    }

    private final MtaStsLookup lookup;
    private final MtaStsPolicyFetcher fetcher;
    private final PolicyCache cache;
    private final Clock clock;
    private final Listener listener;
    private final Map<String, Hot> hot = new ConcurrentHashMap<>();
    /** Failed fetches of domains with nothing cached: node-local backoff. */
    private final Map<String, Instant> failedAt = new ConcurrentHashMap<>();
    private final Map<String, PolicyFetch> lastFailure = new ConcurrentHashMap<>();
    private final Map<String, Object> fetchLocks = new ConcurrentHashMap<>();

    public MtaStsPolicies(MtaStsLookup lookup, MtaStsPolicyFetcher fetcher, PolicyCache cache, Clock clock,
                          Listener listener) {
        this.lookup = lookup;
        this.fetcher = fetcher;
        this.cache = cache;
        this.clock = clock;
        this.listener = listener;
    }

    /**
     * The policy to apply to a delivery to {@code domain}. Never throws: trouble means "cached", "none" when
     * the domain provably has none, or "unknown" when an indeterminate answer could have hidden a policy.
     */
    public StsDecision decide(String domain) {
        String name = org.mailsec.dns.DomainNames.normalise(domain);
        Instant now = clock.instant();
        Current current = current(name, now);
        MtaStsRecord record;
        try {
            record = lookup.record(name);
        } catch (RecordException e) {
            // No record, several or a broken one: a policy still valid stays in force (§5.1), otherwise the
            // domain has none. None of these is a reason to fetch.
            if (current.isPresent()) {
                return use(current.get(), now);
            }
            if (e.kind() == RecordException.Kind.TEMPORARY_DNS) {
                // SERVFAIL, timeout or bogus with nothing cached: the record may be there, so may an enforced
                // policy. Going on without one would let a DNS fault downgrade the delivery (fail closed).
                LOG.info("MTA-STS record of {} unavailable and no policy cached: delivery waits ({})", name, e.getMessage());
                return StsDecision.unknown("the MTA-STS record of " + name + " could not be looked up: " + e.getMessage());
            }
            // No record and a cache that cannot be read: a policy cached by another node could be hidden, but
            // waiting would hold all mail to domains without MTA-STS for as long as the store is down. Policies this
            // node used are in memory (above); the rest goes without, and the cache error is counted.
            return StsDecision.NONE;
        }
        if (current.isPresent() && current.get().cached().recordId().equals(record.id())) {
            return use(current.get(), now);
        }
        // One fetch per domain at a time: concurrent deliveries wait for it and use its result.
        synchronized (fetchLocks.computeIfAbsent(name, n -> new Object())) {
            try {
                Current fresh = current(name, clock.instant());
                if (fresh.isPresent() && fresh.get().cached().recordId().equals(record.id())) {
                    return use(fresh.get(), now);
                }
                if (fresh.isPresent()) {
                    // Another node may already have fetched the policy of the new id: the store knows.
                    Current stored = stored(name, clock.instant());
                    if (stored.isPresent() && stored.get().cached().recordId().equals(record.id())) {
                        return use(stored.get(), now);
                    }
                }
                return refetch(name, record, fresh, now);
            } finally {
                fetchLocks.remove(name);
            }
        }
    }

    /**
     * Refreshes every cached policy (RFC 8461 §10.2 proactive refresh): refetches those whose record id
     * changed or whose max_age is past half, so a policy in use never expires between deliveries.
     * Returns how many were fetched successfully.
     */
    public int refreshAll() {
        int refreshed = 0;
        for (CachedPolicy cached : cache.all()) {
            Instant now = clock.instant();
            Duration life = Duration.between(cached.lastUpdate(), cached.validEnd());
            boolean halfGone = now.isAfter(cached.lastUpdate().plus(life.dividedBy(2)));
            try {
                MtaStsRecord record = lookup.record(cached.domain());
                if (halfGone || !record.id().equals(cached.recordId())) {
                    Current current = current(cached.domain(), now);
                    StsDecision decision = refetch(cached.domain(), record, current, now);
                    if (decision.fetchFailure().isEmpty() && !decision.fromCache()) {
                        refreshed++;
                    }
                }
            } catch (RecordException e) {
                LOG.debug("MTA-STS refresh of {}: record unavailable ({})", cached.domain(), e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("MTA-STS refresh of {} failed", cached.domain(), e);
            }
        }
        return refreshed;
    }

    /** Every cached policy, for the admin API. */
    public List<CachedPolicy> cached() {
        return cache.all();
    }

    /** Drops a domain's cached policy (admin); the next delivery fetches it again. */
    public boolean forget(String domain) {
        String name = org.mailsec.dns.DomainNames.normalise(domain);
        hot.remove(name);
        failedAt.remove(name);
        return cache.delete(name);
    }

    /** The last failed fetch of a domain on this node, if any (for the admin API and logs). */
    public Optional<PolicyFetch> lastFailure(String domain) {
        return Optional.ofNullable(lastFailure.get(org.mailsec.dns.DomainNames.normalise(domain)));
    }

    private StsDecision refetch(String name, MtaStsRecord record, Current current, Instant now) {
        if (inBackoff(name, current.hot(), now)) {
            if (current.isPresent()) {
                return use(current.get(), now);
            }
            if (current.unreadable()) {
                return StsDecision.unknown("the MTA-STS policy cache could not be read for " + name);
            }
            return Optional.ofNullable(lastFailure.get(name)).map(StsDecision::failed).orElse(StsDecision.NONE);
        }
        PolicyFetch fetch = fetcher.fetch(name);
        listener.fetched(name, fetch);
        if (fetch.outcome() == PolicyFetch.Outcome.POLICY) {
            MtaStsPolicy policy = fetch.policy().orElseThrow();
            Instant inserted = current.hot().map(h -> h.cached().inserted()).orElse(now);
            CachedPolicy cached = new CachedPolicy(name, inserted, now.plus(policy.maxAge()), now, now, false,
                record.id(), policy.mode().value(), fetch.text());
            failedAt.remove(name);
            lastFailure.remove(name);
            hot.put(name, new Hot(cached, policy, now));
            try {
                cache.put(cached);
            } catch (StoreException e) {
                listener.cacheError(name, e);
                LOG.warn("MTA-STS policy of {} could not be stored; it is kept in memory", name, e);
            }
            LOG.info("MTA-STS policy of {} fetched: mode {}, max_age {}s, id {}", name, policy.mode().value(),
                policy.maxAge().toSeconds(), record.id());
            return StsDecision.of(policy, false);
        }
        LOG.warn("MTA-STS policy of {} could not be fetched: {}", name, fetch.reason());
        forgetOldFailures(now);
        failedAt.put(name, now);
        lastFailure.put(name, fetch);
        if (current.isPresent()) {
            try {
                cache.setBackoff(name, true, now);
            } catch (StoreException e) {
                listener.cacheError(name, e);
            }
            return use(current.get(), now);
        }
        if (current.unreadable()) {
            // RFC 8461 §5 lets delivery go on without a policy only when none is cached; here nobody knows.
            return StsDecision.unknown("the MTA-STS policy of " + name + " could not be fetched (" + fetch.reason()
                + ") and the policy cache could not be read");
        }
        return StsDecision.failed(fetch);
    }

    /** Failures past their backoff are only kept for the admin API; bound what they cost. */
    private void forgetOldFailures(Instant now) {
        if (failedAt.size() >= MAX_REMEMBERED_FAILURES) {
            failedAt.entrySet().removeIf(e -> !now.isBefore(e.getValue().plus(BACKOFF)));
            lastFailure.keySet().retainAll(failedAt.keySet());
        }
    }

    private boolean inBackoff(String name, Optional<Hot> current, Instant now) {
        Instant failed = failedAt.get(name);
        if (failed == null && current.isPresent() && current.get().cached().backoff()) {
            failed = current.get().cached().lastUpdate();
        }
        return failed != null && now.isBefore(failed.plus(BACKOFF));
    }

    /**
     * The valid cached policy: from memory, else from the store (another node may have fetched it). A policy
     * expired in memory is looked up in the store too, where another node's refresh may have renewed it.
     */
    private Current current(String name, Instant now) {
        Hot h = hot.get(name);
        if (h != null && now.isBefore(h.cached().validEnd())) {
            return new Current(Optional.of(h), false);
        }
        if (h != null) {
            hot.remove(name, h);
        }
        return stored(name, now);
    }

    /** The valid policy in the store, parsed and kept hot; {@code unreadable} when the store cannot say. */
    private Current stored(String name, Instant now) {
        Optional<CachedPolicy> stored;
        try {
            stored = cache.get(name);
        } catch (StoreException e) {
            listener.cacheError(name, e);
            LOG.warn("MTA-STS policy cache unavailable for {}: {}", name, e.getMessage());
            return new Current(Optional.empty(), true);
        }
        if (stored.isEmpty() || !now.isBefore(stored.get().validEnd())) {
            return new Current(Optional.empty(), false);
        }
        try {
            Hot h = new Hot(stored.get(), MtaStsPolicy.parse(stored.get().policyText()), now);
            hot.put(name, h);
            return new Current(Optional.of(h), false);
        } catch (RecordException | RuntimeException e) {
            // Still within its max_age, it may be an enforced policy: as unknown as an unreadable store, so
            // delivery waits for a fresh fetch instead of going without (RFC 8461 §5).
            RuntimeException error = e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
            listener.cacheError(name, error);
            LOG.warn("cached MTA-STS policy of {} no longer parses ({}); treated as unreadable", name, e.getMessage());
            return new Current(Optional.empty(), true);
        }
    }

    private StsDecision use(Hot h, Instant now) {
        if (now.isAfter(h.touched().plus(TOUCH_INTERVAL))) {
            hot.put(h.cached().domain(), new Hot(h.cached(), h.policy(), now));
            try {
                cache.touch(h.cached().domain(), now);
            } catch (StoreException e) {
                listener.cacheError(h.cached().domain(), e);
            }
        }
        return StsDecision.of(h.policy(), true);
    }
}
