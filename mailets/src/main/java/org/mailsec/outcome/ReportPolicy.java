package org.mailsec.outcome;

import java.util.List;
import java.util.Optional;
import org.mailsec.tlsrpt.PolicyType;

/**
 * The TLS report policy an outcome is counted under (RFC 8460 §4.4).
 *
 * @param domain        the policy domain: the recipient domain, or the MX host for DANE
 * @param isHost        the policy domain is an MX host (DANE), not the recipient domain
 * @param type          the RFC 8460 policy type
 * @param strings       the policy as published (policy lines, or TLSA records)
 * @param mxPattern     the MX patterns of an MTA-STS policy, space separated
 * @param reportSuccess successes are worth counting: the policy domain publishes a TLSRPT record
 * @param sessionsCountAs what every session under this policy is counted as, once, instead of its own outcome:
 *                      the policy could not be had (its MTA-STS fetch failed, RFC 8460 §4.3.2.2), the MX is not in
 *                      a testing-mode policy, or the host's TLSA records are all unusable — failures known before
 *                      the session that the session must not count a second time
 */
public record ReportPolicy(String domain, boolean isHost, PolicyType type, List<String> strings, String mxPattern,
                           boolean reportSuccess, Optional<TlsFailures.Failure> sessionsCountAs) {

    public ReportPolicy {
        strings = List.copyOf(strings);
    }

    public ReportPolicy(String domain, boolean isHost, PolicyType type, List<String> strings, String mxPattern,
                        boolean reportSuccess) {
        this(domain, isHost, type, strings, mxPattern, reportSuccess, Optional.empty());
    }

    /** An MTA-STS policy that could not be fetched: {@code failure} is what every session under it counts as. */
    public static ReportPolicy stsUnavailable(String domain, TlsFailures.Failure failure, boolean reportSuccess) {
        return new ReportPolicy(domain, false, PolicyType.STS, List.of(), "", reportSuccess, Optional.of(failure));
    }

    /** This policy, with every session under it counted as {@code failure}. */
    public ReportPolicy countingSessionsAs(TlsFailures.Failure failure) {
        return new ReportPolicy(domain, isHost, type, strings, mxPattern, reportSuccess, Optional.of(failure));
    }

    public boolean hasPolicy() {
        return type != PolicyType.NO_POLICY_FOUND;
    }
}
