package org.mailsec.dane;

import java.util.List;
import org.mailsec.dns.TlsaRecord;

/** The certificate policy for one SMTP connection; precedence is decided by the caller (DANE over MTA-STS). */
public sealed interface TlsPolicy {

    /** DANE (RFC 7672): a DNSSEC-secure TLSA RRset and the names DANE-TA leaves must carry. */
    record Dane(List<TlsaRecord> records, List<String> referenceNames) implements TlsPolicy {
        public Dane {
            records = List.copyOf(records);
            referenceNames = List.copyOf(referenceNames);
        }
    }

    /** WebPKI validation plus the MX host name (MTA-STS enforce/testing, RFC 8461 §4.2). */
    record Pkix(String hostname) implements TlsPolicy {
    }

    /** Opportunistic TLS: any certificate is accepted, but whether PKIX would have passed is recorded. */
    record Opportunistic(String hostname) implements TlsPolicy {
    }
}
