package org.mailsec.store.tlsreport;

import java.util.Map;

/**
 * Successful and failed sessions of a policy domain over a period, with failures per RFC 8460 result type.
 * {@code saturated}: a sum passed 2^63-1 and shows that maximum (counts are bounded per report, not per period).
 */
public record TlsReportSummary(String policyDomain, long reports, long success, long failure, Map<String, Long> failuresByResultType,
                               boolean saturated) {
    public TlsReportSummary {
        failuresByResultType = Map.copyOf(failuresByResultType);
    }
}
