package org.mailsec.intake;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.james.core.Domain;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.domainlist.api.DomainListException;

/**
 * The names reports may be about to be ours: James's domains, names below them (our MX hosts report as
 * themselves), and configured extra host names, e.g. MX hosts in a provider's domain.
 */
public final class OurNames {

    private final DomainList domains;
    private final Set<String> extraHosts;

    public OurNames(DomainList domains, Set<String> extraHosts) {
        this.domains = domains;
        this.extraHosts = extraHosts.stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    /** Extra hosts as a comma-separated list ("mx1.provider.example, mx2.provider.example"). */
    public static Set<String> hostList(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(s -> !s.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
    }

    public boolean contains(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        if (extraHosts.contains(n)) {
            return true;
        }
        try {
            for (Domain d : domains.getDomains()) {
                String ours = d.asString().toLowerCase(Locale.ROOT);
                if (n.equals(ours) || n.endsWith("." + ours)) {
                    return true;
                }
            }
            return false;
        } catch (DomainListException e) {
            // Unknown: keep a report about a domain that may be ours rather than lose it.
            return true;
        }
    }
}
