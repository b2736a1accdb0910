package org.mailsec.policyhost;

import java.util.List;
import java.util.Optional;
import javax.inject.Inject;
import org.apache.james.core.Domain;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.domainlist.api.DomainListException;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsResolver;
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
     * The policy of {@code domain} when it is one of James's; empty for any other name.
     *
     * @throws DnsException when the MX hosts are needed and cannot be looked up now (serve nothing rather than a
     *                      wrong policy: senders keep the one they have, RFC 8461 §3.3)
     * @throws DomainListException when James's domain list cannot be read
     */
    public Optional<HostedPolicy> forDomain(String domain) throws DnsException, DomainListException {
        String name = DomainNames.normalise(domain);
        if (name.isEmpty() || !domains.containsDomain(Domain.of(name))) {
            return Optional.empty();
        }
        List<String> mx = settings.mx();
        if (mx.isEmpty()) {
            DnsAnswer<MxRecord> answer = resolver.mx(name);
            // RFC 5321 §5.1: no MX records means the domain itself receives its mail.
            mx = answer.isEmpty() ? List.of(name)
                : answer.records().stream().map(MxRecord::host).filter(h -> !h.isEmpty()).distinct().toList();
        }
        return Optional.of(HostedPolicy.of(settings.mode(), mx, settings.maxAge()));
    }
}
