package org.mailsec.store.tls;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.mailsec.store.Columns;

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
        // Every field fits its column by construction (V1, V6): one odd value must never fail a whole flush.
        policyDomain = Columns.fit(policyDomain, Columns.NAME);
        policyStrings = fitPolicyStrings(policyStrings);
        recipientDomain = Columns.fit(orEmpty(recipientDomain), Columns.NAME);
        policyType = Columns.fit(orEmpty(policyType), 32);
        mxHostPattern = Columns.fit(orEmpty(mxHostPattern), Columns.LONG_TEXT);
        resultType = Columns.fit(orEmpty(resultType), 64);
        sendingIp = Columns.fit(orEmpty(sendingIp), 64);
        receivingMxHostname = Columns.fit(orEmpty(receivingMxHostname), Columns.NAME);
        receivingMxHelo = Columns.fit(orEmpty(receivingMxHelo), Columns.NAME);
        receivingIp = Columns.fit(orEmpty(receivingIp), 64);
        failureReasonCode = Columns.fit(orEmpty(failureReasonCode), Columns.NAME);
    }

    /**
     * Policy strings are stored as one JSON array of at most 65,535 characters; JSON escaping makes a character
     * at most six (a control character as \\u00XX), so the strings kept total a sixth of that.
     */
    private static List<String> fitPolicyStrings(List<String> strings) {
        List<String> out = new java.util.ArrayList<>(strings.size());
        int budget = Columns.LONG_TEXT / 6 - 16;
        for (String s : strings) {
            String fitted = Columns.fit(orEmpty(s), Columns.COMMENT * 4);
            budget -= fitted.length() + 4;
            if (budget < 0) {
                break;
            }
            out.add(fitted);
        }
        return List.copyOf(out);
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
