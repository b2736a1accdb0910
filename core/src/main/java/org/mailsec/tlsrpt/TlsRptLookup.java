package org.mailsec.tlsrpt;

import org.mailsec.dns.DnsResolver;
import org.mailsec.record.RecordException;
import org.mailsec.record.TxtRecordLookup;

/** Finds the TLSRPT record of a policy domain at {@code _smtp._tls.<domain>} (RFC 8460 §3). */
public final class TlsRptLookup {

    private final DnsResolver resolver;

    public TlsRptLookup(DnsResolver resolver) {
        this.resolver = resolver;
    }

    public TlsRptRecord lookup(String domain) throws RecordException {
        String name = "_smtp._tls." + org.mailsec.dns.DomainNames.normalise(domain);
        return TxtRecordLookup.findAndParse(resolver, name, TlsRptRecord::looksLikeTlsRpt, "TLSRPT", TlsRptRecord::parse);
    }
}
