package org.mailsec.dns;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps answers of another resolver for a short while, so a delivery decision for a busy destination does
 * not wait for DNS every time. Answers (positive, NXDOMAIN and NODATA alike) are kept for {@code maxAge};
 * errors and bogus answers are not kept, so a broken zone is asked again on the next delivery.
 *
 * <p>The age is a fixed cap rather than the record TTL: it bounds how long a changed TLSA or MX set can go
 * unnoticed to {@code maxAge}, which mailsec keeps well below usual TTLs (default one minute).
 */
public final class CachingDnsResolver implements DnsResolver {

    private record Key(char type, String name) {
    }

    private record Entry(DnsAnswer<?> answer, Instant expires) {
    }

    /** A question to the underlying resolver. */
    @FunctionalInterface
    private interface Query<T> {
        DnsAnswer<T> ask() throws DnsException;
    }

    private final DnsResolver delegate;
    private final Duration maxAge;
    private final int maxEntries;
    private final Clock clock;
    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();

    public CachingDnsResolver(DnsResolver delegate, Duration maxAge, int maxEntries, Clock clock) {
        this.delegate = delegate;
        this.maxAge = maxAge;
        this.maxEntries = maxEntries;
        this.clock = clock;
    }

    public CachingDnsResolver(DnsResolver delegate, Duration maxAge) {
        this(delegate, maxAge, 100_000, Clock.systemUTC());
    }

    @Override
    public DnsAnswer<String> txt(String name) throws DnsException {
        return cached('T', name, () -> delegate.txt(name));
    }

    @Override
    public DnsAnswer<MxRecord> mx(String domain) throws DnsException {
        return cached('M', domain, () -> delegate.mx(domain));
    }

    @Override
    public DnsAnswer<TlsaRecord> tlsa(String name) throws DnsException {
        return cached('L', name, () -> delegate.tlsa(name));
    }

    @Override
    public DnsAnswer<InetAddress> a(String name) throws DnsException {
        return cached('A', name, () -> delegate.a(name));
    }

    @Override
    public DnsAnswer<InetAddress> aaaa(String name) throws DnsException {
        return cached('Q', name, () -> delegate.aaaa(name));
    }

    @Override
    public DnsAnswer<String> cname(String name) throws DnsException {
        return cached('C', name, () -> delegate.cname(name));
    }

    /** Forgets every answer (after a configuration change, or in tests that change zones). */
    public void clear() {
        entries.clear();
    }

    @SuppressWarnings("unchecked")
    private <T> DnsAnswer<T> cached(char type, String name, Query<T> query) throws DnsException {
        if (maxAge.isZero()) {
            return query.ask();
        }
        Key key = new Key(type, name.toLowerCase(java.util.Locale.ROOT));
        Instant now = clock.instant();
        Entry entry = entries.get(key);
        if (entry != null && now.isBefore(entry.expires())) {
            return (DnsAnswer<T>) entry.answer();
        }
        DnsAnswer<T> answer = query.ask();
        if (answer.status() != DnssecStatus.BOGUS) {
            if (entries.size() >= maxEntries) {
                entries.entrySet().removeIf(e -> !now.isBefore(e.getValue().expires()));
                if (entries.size() >= maxEntries) {
                    entries.clear();
                }
            }
            entries.put(key, new Entry(answer, now.plus(maxAge)));
        }
        return answer;
    }
}
