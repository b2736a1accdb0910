package org.mailsec.store.tls;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * What one TLS outcome is counted under (RFC 8460 §4 plus what the daily job needs). Absent strings are
 * empty, never null; an empty {@code resultType} means a successful session.
 *
 * @param policyDomain     the domain the report goes to: the recipient domain, or the MX host for DANE
 * @param day              the UTC day of the attempt
 * @param recipientDomain  the recipient domain of the delivery
 * @param isHost           the policy domain is an MX host (DANE report per host)
 * @param reportDelivery   the delivery carried one of mailsec's own reports: counted, never reported on
 * @param policyType       sts, tlsa or no-policy-found
 * @param policyStrings    the policy as RFC 8460's policy-string
 * @param mxHostPattern    the MX host (pattern) the policy applied to
 * @param resultType       an RFC 8460 result type, or empty for success
 */
public record TlsResultKey(String policyDomain, LocalDate day, String recipientDomain, boolean isHost,
                           boolean reportDelivery, String policyType, List<String> policyStrings, String mxHostPattern,
                           String resultType, String sendingIp, String receivingMxHostname, String receivingMxHelo,
                           String receivingIp, String failureReasonCode) {

    public TlsResultKey {
        Objects.requireNonNull(policyDomain, "policyDomain");
        Objects.requireNonNull(day, "day");
        policyStrings = List.copyOf(policyStrings);
        recipientDomain = orEmpty(recipientDomain);
        policyType = orEmpty(policyType);
        mxHostPattern = orEmpty(mxHostPattern);
        resultType = orEmpty(resultType);
        sendingIp = orEmpty(sendingIp);
        receivingMxHostname = orEmpty(receivingMxHostname);
        receivingMxHelo = orEmpty(receivingMxHelo);
        receivingIp = orEmpty(receivingIp);
        failureReasonCode = orEmpty(failureReasonCode);
    }

    public boolean success() {
        return resultType.isEmpty();
    }

    /** SHA-256 over every column but policy domain and day (which lead the primary key themselves). */
    public String keyHash() {
        StringBuilder canonical = new StringBuilder();
        for (Object part : new Object[] {recipientDomain, isHost, reportDelivery, policyType, String.join("\n", policyStrings),
                mxHostPattern, resultType, sendingIp, receivingMxHostname, receivingMxHelo, receivingIp, failureReasonCode}) {
            String s = String.valueOf(part);
            canonical.append(s.length()).append(':').append(s).append('|');
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JVM", e);
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
