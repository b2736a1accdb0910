package org.mailsec.tlsrpt;

import java.time.Instant;
import java.util.List;

/**
 * An SMTP TLS report (RFC 8460 §4). Absent optional fields are null; lists are never null.
 *
 * @param organizationName organization-name ("" when a sender left it out)
 * @param start            date-range start-datetime
 * @param end              date-range end-datetime
 * @param contactInfo      contact-info, null when absent or null
 * @param reportId         report-id
 * @param policies         one entry per policy the sender applied
 */
public record TlsReport(String organizationName, Instant start, Instant end, String contactInfo, String reportId,
                        List<PolicyResult> policies) {

    public TlsReport {
        policies = List.copyOf(policies);
    }

    /** Sum of the policies' successful session counts. */
    /** The domains of its policies, each once, in report order. */
    public List<String> policyDomains() {
        return policies.stream().map(p -> p.policy().domain()).distinct().toList();
    }

    /** The domain of its first policy, the one it is filed under; empty when it has none. */
    public String firstPolicyDomain() {
        return policies.isEmpty() ? "" : policies.get(0).policy().domain();
    }

    public long totalSuccess() {
        return policies.stream().mapToLong(PolicyResult::successCount).sum();
    }

    /** Sum of the policies' failed session counts (the summaries, not the failure details). */
    public long totalFailure() {
        return policies.stream().mapToLong(PolicyResult::failureCount).sum();
    }

    /** The policy a set of sessions was evaluated against (RFC 8460 §4.4). */
    public record Policy(String type, List<String> strings, String domain, List<String> mxHosts) {
        public Policy {
            strings = List.copyOf(strings);
            mxHosts = List.copyOf(mxHosts);
        }
    }

    /** A policy with its summary and failure details. */
    public record PolicyResult(Policy policy, long successCount, long failureCount, List<FailureDetail> failureDetails) {
        public PolicyResult {
            failureDetails = List.copyOf(failureDetails);
        }
    }

    /**
     * One failure-details row (RFC 8460 §4.3). {@code resultType} is kept as sent, so types defined after
     * RFC 8460 survive; {@link ResultType#fromValue} recognises the known ones. Absent strings are null.
     */
    public record FailureDetail(String resultType, String sendingMtaIp, String receivingMxHostname,
                                String receivingMxHelo, String receivingIp, long failedSessionCount,
                                String additionalInformation, String failureReasonCode) {

        /** The same row with another count (used when merging equal rows). */
        public FailureDetail withCount(long count) {
            return new FailureDetail(resultType, sendingMtaIp, receivingMxHostname, receivingMxHelo, receivingIp,
                count, additionalInformation, failureReasonCode);
        }
    }
}
