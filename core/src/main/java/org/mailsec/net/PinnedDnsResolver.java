package org.mailsec.net;

import com.google.common.net.InetAddresses;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hc.client5.http.DnsResolver;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnssecStatus;

/**
 * The names an HTTPS client connects to, resolved by mailsec's DNSSEC-aware resolver (never the JVM's) and
 * filtered by the {@link AddressPolicy}; the client connects to exactly these addresses while TLS still checks
 * the name (SNI, certificate). A bogus answer gives no address. Address literals are checked the same way.
 */
public final class PinnedDnsResolver implements DnsResolver {

    private final org.mailsec.dns.DnsResolver resolver;
    private final AddressPolicy policy;

    public PinnedDnsResolver(org.mailsec.dns.DnsResolver resolver, AddressPolicy policy) {
        this.resolver = resolver;
        this.policy = policy;
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        String name = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        List<InetAddress> found = new ArrayList<>();
        if (InetAddresses.isInetAddress(name)) {
            found.add(InetAddresses.forString(name));
        } else {
            try {
                addAll(found, resolver.a(name));
                addAll(found, resolver.aaaa(name));
            } catch (DnsException e) {
                throw new UnknownHostException("lookup of " + name + " failed: " + e.getMessage());
            }
        }
        List<InetAddress> allowed = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (InetAddress address : found) {
            policy.refusal(address).ifPresentOrElse(refused::add, () -> allowed.add(address));
        }
        if (allowed.isEmpty()) {
            if (!refused.isEmpty()) {
                throw new RefusedAddressException(name + " resolves only to refused addresses (" + String.join(", ", refused) + ")");
            }
            throw new UnknownHostException(name + " has no address");
        }
        return allowed.toArray(InetAddress[]::new);
    }

    private static void addAll(List<InetAddress> found, DnsAnswer<InetAddress> answer) {
        if (answer.status() != DnssecStatus.BOGUS) {
            found.addAll(answer.records());
        }
    }

    @Override
    public String resolveCanonicalHostname(String host) {
        return host;
    }
}
