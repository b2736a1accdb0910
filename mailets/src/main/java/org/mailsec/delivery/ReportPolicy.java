package org.mailsec.delivery;

import java.util.List;

/**
 * The TLS report policy an outcome is counted under (RFC 8460 §4.4).
 *
 * @param domain        the policy domain: the recipient domain, or the MX host for DANE
 * @param isHost        the policy domain is an MX host (DANE), not the recipient domain
 * @param type          {@code sts}, {@code tlsa} or {@code no-policy-found}
 * @param strings       the policy as published (policy lines, or TLSA records)
 * @param mxPattern     the MX patterns of an MTA-STS policy, space separated
 * @param reportSuccess successes are worth counting: the policy domain publishes a TLSRPT record
 */
public record ReportPolicy(String domain, boolean isHost, String type, List<String> strings, String mxPattern,
                           boolean reportSuccess) {

    public static final String STS = "sts";
    public static final String TLSA = "tlsa";
    public static final String NO_POLICY = "no-policy-found";

    public ReportPolicy {
        strings = List.copyOf(strings);
    }

    public boolean hasPolicy() {
        return !NO_POLICY.equals(type);
    }
}
