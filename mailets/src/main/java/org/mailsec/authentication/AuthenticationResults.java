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
        verdict.helo().ifPresent(helo -> results.add("spf=" + helo.result().value() + " smtp.helo=" + token(helo.domain())));
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

    /**
     * Whether a received field's value was written by {@code authservId} (RFC 8601 §5: remove those). The authserv-id
     * is the first value after any comments (RFC 8601 §2.2, RFC 5322 CFWS), a token or a quoted-string, compared
     * without case and without a final dot.
     */
    public static boolean ours(String fieldValue, String authservId) {
        String v = fieldValue;
        int i = skipCfws(v, 0);
        StringBuilder id = new StringBuilder();
        if (i < v.length() && v.charAt(i) == '"') {
            for (i++; i < v.length() && v.charAt(i) != '"'; i++) {
                if (v.charAt(i) == '\\' && i + 1 < v.length()) {
                    i++;
                }
                id.append(v.charAt(i));
            }
        } else {
            for (; i < v.length() && v.charAt(i) != ';' && v.charAt(i) != '(' && !Character.isWhitespace(v.charAt(i)); i++) {
                id.append(v.charAt(i));
            }
        }
        return strip(id.toString()).equalsIgnoreCase(strip(authservId));
    }

    private static String strip(String name) {
        String n = name.trim();
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /** Skips white space and (nested) comments from {@code i}. */
    private static int skipCfws(String v, int i) {
        int depth = 0;
        for (; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (c == '\\' && depth > 0) {
                i++;
            } else if (depth == 0 && !Character.isWhitespace(c)) {
                return i;
            }
        }
        return i;
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
