package org.mailsec.authentication;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.Headers;
import org.apache.james.jdkim.exceptions.FailException;
import org.apache.james.jdkim.exceptions.PermFailException;
import org.apache.james.jdkim.exceptions.TempFailException;
import org.mailsec.dns.DnsResolver;

/**
 * Every DKIM signature of a message verified on its own (RFC 6376 §6), each with its own result, where jDKIM alone
 * says only which signatures passed. Keys come through mailsec's resolver. jDKIM verifies RSA only: an
 * {@code ed25519-sha256} signature (RFC 8463) is "neutral, unsupported algorithm", never a pass or a crash.
 */
public final class DkimVerification {

    /** RFC 6376 §6.1 lets a verifier limit the signatures it tries; the rest are {@code policy}. */
    public static final int MAX_SIGNATURES = 10;

    /** RFC 8601 §2.7.1 results. */
    public enum Result { PASS, FAIL, NEUTRAL, POLICY, TEMPERROR, PERMERROR;

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One signature's verdict.
     *
     * @param domain    its d= (lower case; empty when unreadable)
     * @param selector  its s=
     * @param signature the start of its b= (RFC 6008's {@code header.b}: at least 8 characters)
     * @param algorithm its a=
     * @param reason    why it did not pass; empty for a pass
     */
    public record Signature(String domain, String selector, String signature, String algorithm, Result result,
                            String reason) {
    }

    /** The key under which {@link #tags} notes a repeated tag (no tag name has a space). */
    private static final String DUPLICATE = " duplicate";
    /** RFC 6376 §3.2: whitespace anywhere in a tag value is ignored. */
    private static final java.util.regex.Pattern WHITESPACE = java.util.regex.Pattern.compile("\\s+");

    private final DnsResolver resolver;

    public DkimVerification(DnsResolver resolver) {
        this.resolver = resolver;
    }

    /** The message's signatures, top to bottom, each verified; empty when it has none. */
    public List<Signature> verify(byte[] message) {
        RawMessage parsed;
        try {
            parsed = new RawMessage(message);
        } catch (RuntimeException e) {
            return List.of(new Signature("", "", "", "", Result.PERMERROR, "unreadable message: " + e.getMessage()));
        }
        return verify(parsed);
    }

    /** The signatures of a message already read, as {@link #verify(byte[])}. */
    List<Signature> verify(RawMessage parsed) {
        List<String> fields = parsed.getFields("DKIM-Signature");
        List<Signature> results = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            Map<String, String> tags = tags(fields.get(i));
            if (i >= MAX_SIGNATURES) {
                results.add(signature(tags, Result.POLICY, "not verified: more than " + MAX_SIGNATURES + " signatures"));
            } else {
                results.add(verifyOne(parsed, fields.get(i), tags));
            }
        }
        return results;
    }

    private Signature verifyOne(RawMessage parsed, String field, Map<String, String> tags) {
        if (tags.containsKey(DUPLICATE)) {
            return signature(tags, Result.PERMERROR, "tag " + tags.get(DUPLICATE) + "= appears twice");
        }
        String algorithm = tags.getOrDefault("a", "");
        if (!algorithm.equals("rsa-sha256") && !algorithm.equals("rsa-sha1")) {
            // RFC 6376 §6.1.1: a verifier ignores a signature whose algorithm it does not implement.
            return signature(tags, Result.NEUTRAL, algorithm.isEmpty() ? "no a= tag" : "unsupported algorithm " + algorithm);
        }
        try {
            new DKIMVerifier(new DkimKeyRecords(resolver)).verify(new OneSignature(parsed, field), parsed.body());
            if (tags.containsKey("l") && partialBody(parsed.bodyLength(), tags.get("l"))) {
                // RFC 6376 §8.2: what follows the signed length rides on the signature; it proves nothing.
                return signature(tags, Result.POLICY, "l= signs only part of the body");
            }
            return signature(tags, Result.PASS, "");
        } catch (TempFailException e) {
            return signature(tags, Result.TEMPERROR, reason(e));
        } catch (PermFailException e) {
            String reason = reason(e);
            // A signature that was checked and does not match fails; one that could not be checked is a permerror.
            boolean mismatch = reason.contains("does not verify") || reason.contains("bodyhash");
            return signature(tags, mismatch ? Result.FAIL : Result.PERMERROR, reason);
        } catch (FailException | IOException | RuntimeException e) {
            // jDKIM throws unchecked exceptions on some malformed signatures: that signature is a permerror.
            return signature(tags, Result.PERMERROR, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /**
     * Whether a body length limit covers less than the body. Canonicalization only shortens a body (but for a final
     * CRLF), so a limit at least the raw body's length covers all of it.
     */
    static boolean partialBody(int bodyLength, String limit) {
        try {
            return Long.parseLong(limit) < bodyLength;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    private static String reason(FailException e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    /**
     * The signature's tags (RFC 6376 §3.2 tag-list), read leniently: they only name the signature in the results;
     * jDKIM judges it. Folding whitespace is removed from the values.
     */
    private static Map<String, String> tags(String field) {
        int colon = field.indexOf(':');
        Map<String, String> tags = new HashMap<>();
        for (String spec : field.substring(colon + 1).split(";")) {
            int eq = spec.indexOf('=');
            if (eq > 0) {
                // RFC 6376 §3.2: tag names are case-sensitive ("D=" is not "d=") and a tag appears once at most.
                String name = spec.substring(0, eq).trim();
                if (tags.putIfAbsent(name, WHITESPACE.matcher(spec.substring(eq + 1)).replaceAll("")) != null) {
                    tags.put(DUPLICATE, name);
                }
            }
        }
        return tags;
    }

    private static Signature signature(Map<String, String> tags, Result result, String reason) {
        Function<String, String> tag = name -> tags.getOrDefault(name, "").trim();
        String b = tag.apply("b");
        return new Signature(tag.apply("d").toLowerCase(Locale.ROOT), tag.apply("s"), b.substring(0, Math.min(b.length(), 12)),
            tag.apply("a").toLowerCase(Locale.ROOT), result, reason);
    }

    /**
     * The message's headers with one DKIM-Signature to verify: jDKIM asks for the DKIM-Signature fields once, first,
     * to know which signatures to verify, and then for the fields each signature signs (which may include other
     * DKIM-Signature fields, RFC 6376 §5.4). Only that first question gets the one signature.
     */
    private static final class OneSignature implements Headers {
        private final Headers headers;
        private final String field;
        private boolean asked;

        OneSignature(Headers headers, String field) {
            this.headers = headers;
            this.field = field;
        }

        @Override
        public List<String> getFields() {
            return headers.getFields();
        }

        @Override
        public List<String> getFields(String name) {
            if (!asked && name.equalsIgnoreCase("DKIM-Signature")) {
                asked = true;
                return List.of(field);
            }
            return headers.getFields(name);
        }
    }
}
