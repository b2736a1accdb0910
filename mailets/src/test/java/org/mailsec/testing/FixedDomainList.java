package org.mailsec.testing;

import java.util.List;
import org.apache.james.core.Domain;
import org.apache.james.domainlist.api.DomainList;

/** James's domain list for tests and benchmarks: fixed domains, read-only; the first is the default. */
public final class FixedDomainList implements DomainList {

    private final List<Domain> domains;

    public FixedDomainList(String... domains) {
        this.domains = java.util.Arrays.stream(domains).map(Domain::of).toList();
    }

    @Override
    public List<Domain> getDomains() {
        return domains;
    }

    @Override
    public boolean containsDomain(Domain candidate) {
        return domains.contains(candidate);
    }

    @Override
    public void addDomain(Domain added) {
        throw new IllegalStateException("the domain list is fixed");
    }

    @Override
    public void removeDomain(Domain removed) {
        throw new IllegalStateException("the domain list is fixed");
    }

    @Override
    public Domain getDefaultDomain() {
        return domains.get(0);
    }
}
