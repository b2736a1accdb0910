package org.mailsec.dmarc;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mailsec.dns.DnsResolver;
import org.mailsec.record.RecordException;
import org.mailsec.record.TxtRecordLookup;

/**
 * Finds the DMARC record that governs a From domain: {@code _dmarc.<domain>}, then the organizational
 * domain's (RFC 7489 §6.6.3), or with {@link Discovery#TREE_WALK} the RFC 9989 DNS tree walk.
 */
public final class DmarcLookup {

    /** How the policy record is discovered. */
    public enum Discovery { PUBLIC_SUFFIX_LIST, TREE_WALK }

    /** What the lookup found; {@code record} and {@code recordDomain} are set for {@link Status#FOUND}. */
    public record Result(Status status, Optional<DmarcRecord> record, String recordDomain, String message) {
        public enum Status { FOUND, NONE, TEMPERROR, PERMERROR }
    }

    /** RFC 9989 §4.10: names longer than this are shortened to it before walking up. */
    private static final int TREE_WALK_MAX_LABELS = 7;

    private final DnsResolver resolver;
    /** Records by their text: the same few policies govern most received mail, and a record is immutable. */
    private final Cache<String, DmarcRecord> parsed = CacheBuilder.newBuilder().maximumSize(10_000).build();
    private final OrganizationalDomains organizationalDomains;
    private final Discovery discovery;

    public DmarcLookup(DnsResolver resolver, OrganizationalDomains organizationalDomains, Discovery discovery) {
        this.resolver = resolver;
        this.organizationalDomains = organizationalDomains;
        this.discovery = discovery;
    }

    public DmarcLookup(DnsResolver resolver) {
        this(resolver, OrganizationalDomains.guavaWithPrivateSuffixes(), Discovery.PUBLIC_SUFFIX_LIST);
    }

    public Result lookup(String fromDomain) {
        String domain = String.join(".", OrganizationalDomains.labels(fromDomain));
        if (domain.isEmpty()) {
            return new Result(Result.Status.PERMERROR, Optional.empty(), "", "invalid domain '" + fromDomain + "'");
        }
        for (String candidate : candidates(domain)) {
            Optional<Result> result = lookupAt(candidate);
            if (result.isPresent()) {
                return result.get();
            }
        }
        return new Result(Result.Status.NONE, Optional.empty(), "", "no DMARC record for " + domain);
    }

    private List<String> candidates(String domain) {
        List<String> names = new ArrayList<>();
        names.add(domain);
        if (discovery == Discovery.PUBLIC_SUFFIX_LIST) {
            String org = organizationalDomains.organizationalDomain(domain);
            if (!org.equals(domain)) {
                names.add(org);
            }
            return names;
        }
        List<String> labels = OrganizationalDomains.labels(domain);
        int start = Math.min(labels.size() - 1, TREE_WALK_MAX_LABELS);
        for (int n = start; n >= 1; n--) {
            names.add(String.join(".", labels.subList(labels.size() - n, labels.size())));
        }
        return names;
    }

    /**
     * The outcome at one name, or empty when there is no DMARC record there and discovery goes on. The TXT lookup is
     * the one TLSRPT and MTA-STS records use (a DNS failure or a bogus answer is never "no record"); its kinds map
     * to RFC 7489's results.
     */
    private Optional<Result> lookupAt(String domain) {
        String name = "_dmarc." + domain;
        try {
            String txt = TxtRecordLookup.find(resolver, name, DmarcRecord::looksLikeDmarc, "DMARC");
            DmarcRecord record = parsed.getIfPresent(txt);
            if (record == null) {
                record = DmarcRecord.parse(txt);
                parsed.put(txt, record);
            }
            return Optional.of(new Result(Result.Status.FOUND, Optional.of(record), domain, ""));
        } catch (RecordException e) {
            return switch (e.kind()) {
                case NO_RECORD -> Optional.empty();
                // RFC 7489 §6.6.3 step 5: several records end discovery here, with no DMARC (no fallback).
                case MULTIPLE_RECORDS -> Optional.of(new Result(Result.Status.NONE, Optional.empty(), domain, e.getMessage()));
                case TEMPORARY_DNS -> Optional.of(new Result(Result.Status.TEMPERROR, Optional.empty(), domain, e.getMessage()));
                case SYNTAX -> Optional.of(new Result(Result.Status.PERMERROR, Optional.empty(), domain, name + ": " + e.getMessage()));
            };
        }
    }
}
