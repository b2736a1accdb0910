package org.mailsec.mtasts;

import java.util.List;
import java.util.Locale;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dns.DnssecStatus;

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

    /** The {@code _mta-sts} record (CNAMEs followed by the resolver). */
    public MtaStsRecord record(String domain) throws MtaStsException {
        String name = "_mta-sts." + domain.strip().toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
        DnsAnswer<String> answer;
        try {
            answer = resolver.txt(name);
        } catch (DnsException e) {
            throw new MtaStsException(e.isTemporary() ? MtaStsException.Kind.TEMPORARY_DNS : MtaStsException.Kind.NO_RECORD,
                "DNS lookup of " + name + " failed: " + e.getMessage());
        }
        if (answer.status() == DnssecStatus.BOGUS) {
            // A forged answer must not switch MTA-STS off: report it as a DNS failure, keep the cached policy.
            throw new MtaStsException(MtaStsException.Kind.TEMPORARY_DNS,
                "DNSSEC validation of " + name + " failed: " + answer.bogusReason().orElse("bogus"));
        }
        List<String> records = answer.records().stream().filter(MtaStsRecord::looksLikeMtaSts).toList();
        if (records.isEmpty()) {
            throw new MtaStsException(MtaStsException.Kind.NO_RECORD, "no MTA-STS record at " + name);
        }
        if (records.size() > 1) {
            throw new MtaStsException(MtaStsException.Kind.MULTIPLE_RECORDS, records.size() + " MTA-STS records at " + name);
        }
        try {
            return MtaStsRecord.parse(records.get(0));
        } catch (MtaStsException e) {
            throw new MtaStsException(e.kind(), name + ": " + e.getMessage());
        }
    }

    /** Record and policy together. */
    public Result lookup(String domain) throws MtaStsException {
        MtaStsRecord record = record(domain);
        return new Result(record, fetcher.fetch(domain));
    }

    /** A record and what fetching its policy gave. */
    public record Result(MtaStsRecord record, PolicyFetch fetch) {
    }
}
