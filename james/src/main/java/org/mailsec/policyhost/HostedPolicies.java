package org.mailsec.policyhost;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import javax.inject.Inject;
import org.apache.james.core.Domain;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.domainlist.api.DomainListException;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dns.DnsTemporaryException;
import org.mailsec.dns.DnssecStatus;
import org.mailsec.dns.DomainNames;
import org.mailsec.dns.MxRecord;
import org.mailsec.mtasts.HostedPolicy;

/**
 * The MTA-STS policy of each James domain: the mode and max_age of {@code mailsec.mtasts.hosting.*}, the MX patterns
 * set there or, by default, the domain's MX hosts as mailsec's resolver finds them now (so a policy never names hosts
 * the domain no longer uses, and its id follows the MX records).
 */
public class HostedPolicies {

    private final PolicyHostingSettings settings;
    private final DomainList domains;
    private final DnsResolver resolver;
    /** How long a policy made from DNS is served again while DNS fails: senders then keep getting the same one. */
    static final Duration LAST_GOOD = Duration.ofHours(1);
    private final Map<String, Made> lastGood = new ConcurrentHashMap<>();

    @Inject
    public HostedPolicies(PolicyHostingSettings settings, DomainList domains, DnsResolver resolver) {
        this.settings = settings;
        this.domains = domains;
        this.resolver = resolver;
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /**
     * The policy of {@code domain} when it is one of James's; empty for any other name, for a name that is not a host
     * name, and for a domain that does not exist or accepts no mail (only a null MX). MX hosts are sorted, so the text
     * and its id are the same at every request and on every node; names that no policy could carry are left out.
     *
     * @throws DnsException when the MX hosts are needed and cannot be had now, DNSSEC-bogus answers included (serve
     *                      nothing rather than a wrong policy: senders keep the one they have, RFC 8461 §3.3); the
     *                      last good policy is served instead for {@link #LAST_GOOD} after it was made
     * @throws DomainListException when James's domain list cannot be read
     */
    public Optional<HostedPolicy> forDomain(String domain) throws DnsException, DomainListException {
        Optional<String> checked = DomainNames.hostName(domain);
        if (checked.isEmpty() || !domains.containsDomain(Domain.of(checked.get()))) {
            return Optional.empty();
        }
        String name = checked.get();
        List<String> mx = settings.mx();
        if (mx.isEmpty()) {
            try {
                mx = mxHosts(name);
            } catch (DnsException e) {
                Made last = lastGood.get(name);
                if (last != null && last.at().plus(LAST_GOOD).isAfter(Instant.now())) {
                    return Optional.of(last.policy());
                }
                throw e;
            }
            if (mx.isEmpty()) {
                return Optional.empty();
            }
        }
        HostedPolicy policy = HostedPolicy.of(settings.mode(), mx, settings.maxAge());
        lastGood.put(name, new Made(policy, Instant.now()));
        return Optional.of(policy);
    }

    /** The domain's MX hosts as a policy names them; empty when it does not exist or takes no mail. */
    private List<String> mxHosts(String name) throws DnsException {
        DnsAnswer<MxRecord> answer = resolver.mx(name);
        if (answer.status() == DnssecStatus.BOGUS) {
            throw new DnsTemporaryException(name, "the MX records fail DNSSEC validation: " + answer.bogusReason().orElse(""));
        }
        if (answer.nxdomain()) {
            return List.of();
        }
        if (answer.isEmpty()) {
            // RFC 5321 §5.1: no MX records means the domain itself receives its mail.
            return List.of(name);
        }
        return answer.records().stream().map(MxRecord::host).filter(h -> !h.isEmpty())
            .map(h -> DomainNames.hostName(h).orElse("")).filter(h -> !h.isEmpty()).distinct().sorted().toList();
    }

    /** A policy made, and when. */
    private record Made(HostedPolicy policy, Instant at) {
    }
}
