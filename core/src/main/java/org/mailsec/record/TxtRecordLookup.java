package org.mailsec.record;

import java.util.List;
import java.util.function.Predicate;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dns.DnssecStatus;
import org.mailsec.dns.InvalidNameException;

/**
 * Finds the one TXT record of a kind at a name ({@code _smtp._tls.<domain>}, {@code _mta-sts.<domain>}):
 * other TXT records are ignored, none is {@code NO_RECORD}, several are {@code MULTIPLE_RECORDS}, and any
 * DNS failure (SERVFAIL, timeout, REFUSED, FORMERR, CNAME loop) or a DNSSEC-bogus answer is {@code TEMPORARY_DNS}
 * — never read as "no record".
 */
public final class TxtRecordLookup {

    private TxtRecordLookup() {
    }

    /** The TXT string at {@code name} that {@code ofKind} accepts; {@code what} names the kind in messages. */
    public static String find(DnsResolver resolver, String name, Predicate<String> ofKind, String what)
            throws RecordException {
        DnsAnswer<String> answer;
        try {
            answer = resolver.txt(name);
        } catch (DnsException e) {
            // Only a name that cannot be asked has no record. REFUSED, FORMERR or a CNAME loop are unauthenticated
            // answers that say nothing about the record: reading them as "none" would let anyone on the path
            // switch a policy off (RFC 8461 §5 keeps a cached policy through DNS failures).
            throw new RecordException(e instanceof InvalidNameException ? RecordException.Kind.NO_RECORD
                : RecordException.Kind.TEMPORARY_DNS, "DNS lookup of " + name + " failed: " + e.getMessage());
        }
        if (answer.status() == DnssecStatus.BOGUS) {
            throw new RecordException(RecordException.Kind.TEMPORARY_DNS,
                "DNSSEC validation of " + name + " failed: " + answer.bogusReason().orElse("bogus"));
        }
        List<String> candidates = answer.records().stream().filter(ofKind).toList();
        if (candidates.isEmpty()) {
            throw new RecordException(RecordException.Kind.NO_RECORD, "no " + what + " record at " + name);
        }
        if (candidates.size() > 1) {
            throw new RecordException(RecordException.Kind.MULTIPLE_RECORDS, candidates.size() + " " + what + " records at " + name);
        }
        return candidates.get(0);
    }

    /** Parses a record's text. */
    public interface Parser<T> {
        T parse(String txt) throws RecordException;
    }

    /** {@link #find} and then parse; a syntax error names the queried name. */
    public static <T> T findAndParse(DnsResolver resolver, String name, Predicate<String> ofKind, String what, Parser<T> parser)
            throws RecordException {
        String txt = find(resolver, name, ofKind, what);
        try {
            return parser.parse(txt);
        } catch (RecordException e) {
            throw new RecordException(e.kind(), name + ": " + e.getMessage());
        }
    }

}
