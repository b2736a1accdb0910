package org.mailsec.bench;

import java.util.List;
import org.apache.james.core.Domain;
import org.apache.james.domainlist.api.DomainList;

/** James's domain list for benchmarks: one fixed domain, read-only. */
public final class FixedDomainList implements DomainList {

    private final Domain domain;

    public FixedDomainList(String domain) {
        this.domain = Domain.of(domain);
    }

    @Override
    public List<Domain> getDomains() {
        return List.of(domain);
    }

    @Override
    public boolean containsDomain(Domain candidate) {
        return domain.equals(candidate);
    }

    @Override
    public void addDomain(Domain added) {
        throw new IllegalStateException("the benchmark's domain list is fixed");
    }

    @Override
    public void removeDomain(Domain removed) {
        throw new IllegalStateException("the benchmark's domain list is fixed");
    }

    @Override
    public Domain getDefaultDomain() {
        return domain;
    }
}
