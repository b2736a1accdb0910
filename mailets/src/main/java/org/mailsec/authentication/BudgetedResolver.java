package org.mailsec.authentication;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dns.DnsTemporaryException;
import org.mailsec.dns.MxRecord;
import org.mailsec.dns.TlsaRecord;

/**
 * mailsec's resolver with a time budget per received message: once the message's evaluation has spent it, every
 * further lookup fails at once as temporary. A sender's DNS that answers slowly then costs one budget (plus the lookup
 * under way), not the lookup timeout for each of the dozens of names SPF and DKIM may ask. The budget is per thread:
 * a message is evaluated on one.
 */
final class BudgetedResolver implements DnsResolver {

    private final DnsResolver resolver;
    private final Duration budget;
    private final Clock clock;
    private final ThreadLocal<Instant> deadline = new ThreadLocal<>();

    BudgetedResolver(DnsResolver resolver, Duration budget, Clock clock) {
        this.resolver = resolver;
        this.budget = budget;
        this.clock = clock;
    }

    /** A message's evaluation begins on this thread. */
    void start() {
        deadline.set(clock.instant().plus(budget));
    }

    /** It ends: lookups on this thread are unbudgeted again. */
    void end() {
        deadline.remove();
    }

    private void check(String name) throws DnsTemporaryException {
        Instant end = deadline.get();
        if (end != null && clock.instant().isAfter(end)) {
            throw new DnsTemporaryException(name, "the message's DNS time budget of " + budget.toMillis() + " ms is spent");
        }
    }

    @Override
    public DnsAnswer<String> txt(String name) throws DnsException {
        check(name);
        return resolver.txt(name);
    }

    @Override
    public DnsAnswer<MxRecord> mx(String domain) throws DnsException {
        check(domain);
        return resolver.mx(domain);
    }

    @Override
    public DnsAnswer<TlsaRecord> tlsa(String name) throws DnsException {
        check(name);
        return resolver.tlsa(name);
    }

    @Override
    public DnsAnswer<InetAddress> a(String name) throws DnsException {
        check(name);
        return resolver.a(name);
    }

    @Override
    public DnsAnswer<InetAddress> aaaa(String name) throws DnsException {
        check(name);
        return resolver.aaaa(name);
    }

    @Override
    public DnsAnswer<String> cname(String name) throws DnsException {
        check(name);
        return resolver.cname(name);
    }
}
