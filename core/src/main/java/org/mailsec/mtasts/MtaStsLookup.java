package org.mailsec.mtasts;

import org.mailsec.dns.DnsResolver;
import org.mailsec.record.RecordException;
import org.mailsec.record.TxtRecordLookup;

/**
 * Finds a domain's MTA-STS record and, through a {@link MtaStsPolicyFetcher}, its policy. Stateless: the
 * persistent policy cache sits in front of it and compares {@link MtaStsRecord#id()} to decide on refetching.
 */
public final class MtaStsLookup {

    private final DnsResolver resolver;
    private final MtaStsPolicyFetcher fetcher;

    public MtaStsLookup(DnsResolver resolver, MtaStsPolicyFetcher fetcher) {
        this.resolver = resolver;
        this.fetcher = fetcher;
    }

    /** The {@code _mta-sts} record (CNAMEs followed by the resolver; a bogus answer is a DNS failure). */
    public MtaStsRecord record(String domain) throws RecordException {
        String name = "_mta-sts." + org.mailsec.dns.DomainNames.normalise(domain);
        return TxtRecordLookup.findAndParse(resolver, name, MtaStsRecord::looksLikeMtaSts, "MTA-STS", MtaStsRecord::parse);
    }

    /** Record and policy together. */
    public Result lookup(String domain) throws RecordException {
        MtaStsRecord record = record(domain);
        return new Result(record, fetcher.fetch(domain));
    }

    /** A record and what fetching its policy gave. */
    public record Result(MtaStsRecord record, PolicyFetch fetch) {
    }
}
