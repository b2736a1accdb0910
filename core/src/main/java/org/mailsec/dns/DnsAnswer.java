package org.mailsec.dns;

import java.util.List;
import java.util.Optional;

/**
 * One DNS answer: the records (empty for NXDOMAIN, NODATA or BOGUS), the DNSSEC status, and for
 * bogus answers the validator's reason.
 *
 * @param name      the queried name, absolute, lower case, without the final dot
 * @param records   the records, in DNS order except where the lookup documents a sort
 * @param status    DNSSEC status of the answer (or of the denial of existence)
 * @param nxdomain  true when the name does not exist (as opposed to existing without records of the type)
 * @param bogusReason why validation failed, when {@code status} is BOGUS
 */
public record DnsAnswer<T>(String name, List<T> records, DnssecStatus status, boolean nxdomain,
                           Optional<String> bogusReason) {

    public DnsAnswer {
        records = List.copyOf(records);
    }

    public boolean isEmpty() {
        return records.isEmpty();
    }

    public boolean secure() {
        return status == DnssecStatus.SECURE;
    }
}
