package org.mailsec.authentication;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mailsec.dmarc.DmarcRecord;

/**
 * The {@code Authentication-Results} header field (RFC 8601) of a verdict, and which received ones are ours.
 * Values that are not RFC 2045 tokens are quoted; comments are kept free of characters that would end them.
 */
public final class AuthenticationResults {

    public static final String HEADER = "Authentication-Results";

    private AuthenticationResults() {
    }

    /** The field's value (without the name): {@code authserv-id; spf=… ; dkim=… ; dmarc=…}. */
    public static String value(String authservId, MessageAuthentication.Verdict verdict) {
        return value(authservId, verdict, verdict.dmarc().disposition().value(), java.util.Optional.empty());
    }

    /** The same, with the disposition as applied here and the local policy that overrode the record's, if any. */
    public static String value(String authservId, MessageAuthentication.Verdict verdict, String applied,
                               java.util.Optional<String> override) {
        List<String> results = new ArrayList<>();
        SpfVerification.Check mailFrom = verdict.mailFrom();
        results.add("spf=" + mailFrom.result().value() + comment(mailFrom.explanation(), mailFrom.result()
            != SpfVerification.Result.PASS) + " smtp.mailfrom=" + token(mailFrom.domain()));
        SpfVerification.Check helo = verdict.helo();
        results.add("spf=" + helo.result().value() + " smtp.helo=" + token(helo.domain()));
        if (verdict.dkim().isEmpty()) {
            results.add("dkim=none");
        }
        for (DkimVerification.Signature s : verdict.dkim()) {
            results.add("dkim=" + s.result().value() + comment(s.reason(), !s.reason().isEmpty())
                + " header.d=" + token(s.domain()) + " header.s=" + token(s.selector()) + " header.b=" + token(s.signature()));
        }
        results.add(dmarc(verdict, applied, override));
        return token(authservId) + ";\r\n\t" + String.join(";\r\n\t", results);
    }

    private static String dmarc(MessageAuthentication.Verdict verdict, String applied, java.util.Optional<String> override) {
        var result = verdict.dmarc();
        String status = result.status().name().toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder("dmarc=").append(status);
        result.record().ifPresent(r -> b.append(" (p=").append(policy(r.policy())).append(" dis=")
            .append(applied).append(result.sampledOut() ? " sampled_out" : "")
            .append(override.map(o -> " override=" + o).orElse("")).append(')'));
        if (!verdict.fromDomain().isEmpty()) {
            b.append(" header.from=").append(token(verdict.fromDomain()));
        }
        result.record().ifPresent(r -> b.append(" policy.dmarc=").append(policy(result.applied())));
        return b.toString();
    }

    private static String policy(DmarcRecord.Policy policy) {
        return policy.name().toLowerCase(Locale.ROOT);
    }

    /** Whether a received field's value was written by {@code authservId} (RFC 8601 §5: remove those). */
    public static boolean ours(String fieldValue, String authservId) {
        String v = fieldValue.trim();
        int end = 0;
        while (end < v.length() && v.charAt(end) != ';' && !Character.isWhitespace(v.charAt(end))) {
            end++;
        }
        String id = v.substring(0, end);
        if (id.startsWith("\"") && id.endsWith("\"") && id.length() >= 2) {
            id = id.substring(1, id.length() - 1);
        }
        return id.equalsIgnoreCase(authservId);
    }

    /** An RFC 2045 token as it is, anything else as a quoted-string. */
    static String token(String value) {
        if (!value.isEmpty() && value.chars().allMatch(c -> c > 32 && c < 127 && "()<>@,;:\\\"/[]?=".indexOf(c) < 0)) {
            return value;
        }
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"").replaceAll("[\\r\\n]", " ") + '"';
    }

    private static String comment(String text, boolean wanted) {
        if (!wanted || text == null || text.isBlank()) {
            return "";
        }
        String clean = text.replaceAll("[()\\\\\\r\\n]", " ").replaceAll("[^\\x20-\\x7e]", "?").trim();
        return " (" + (clean.length() > 120 ? clean.substring(0, 120) + "..." : clean) + ")";
    }
}
