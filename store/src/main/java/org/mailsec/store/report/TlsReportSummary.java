package org.mailsec.store.report;

import java.util.Map;

/** Successful and failed sessions of a policy domain over a period, with failures per RFC 8460 result type. */
public record TlsReportSummary(String policyDomain, long reports, long success, long failure, Map<String, Long> failuresByResultType) {
    public TlsReportSummary {
        failuresByResultType = Map.copyOf(failuresByResultType);
    }
}
