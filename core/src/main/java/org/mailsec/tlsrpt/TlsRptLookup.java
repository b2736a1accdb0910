package org.mailsec.tlsrpt;

import java.util.List;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dns.DnssecStatus;

/** Finds the TLSRPT record of a policy domain at {@code _smtp._tls.<domain>} (RFC 8460 §3). */
public final class TlsRptLookup {

    private final DnsResolver resolver;

    public TlsRptLookup(DnsResolver resolver) {
        this.resolver = resolver;
    }

    public TlsRptRecord lookup(String domain) throws TlsRptRecordException {
        String name = "_smtp._tls." + stripDot(domain);
        DnsAnswer<String> answer;
        try {
            answer = resolver.txt(name);
        } catch (DnsException e) {
            throw new TlsRptRecordException(e.isTemporary() ? TlsRptRecordException.Kind.TEMPORARY_DNS
                : TlsRptRecordException.Kind.NO_RECORD, "DNS lookup of " + name + " failed: " + e.getMessage(), e);
        }
        if (answer.status() == DnssecStatus.BOGUS) {
            // A forged or broken answer says nothing about the record: never read it as "no record".
            throw new TlsRptRecordException(TlsRptRecordException.Kind.TEMPORARY_DNS,
                "DNSSEC validation of " + name + " failed: " + answer.bogusReason().orElse("bogus"));
        }
        List<String> candidates = answer.records().stream().filter(TlsRptRecord::looksLikeTlsRpt).toList();
        if (candidates.isEmpty()) {
            throw new TlsRptRecordException(TlsRptRecordException.Kind.NO_RECORD, "no TLSRPT record at " + name);
        }
        if (candidates.size() > 1) {
            throw new TlsRptRecordException(TlsRptRecordException.Kind.MULTIPLE_RECORDS,
                candidates.size() + " TLSRPT records at " + name);
        }
        try {
            return TlsRptRecord.parse(candidates.get(0));
        } catch (TlsRptRecordException e) {
            throw new TlsRptRecordException(e.kind(), name + ": " + e.getMessage());
        }
    }

    private static String stripDot(String domain) {
        return domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
    }
}
