package org.mailsec.authentication;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.Headers;
import org.apache.james.jdkim.api.PublicKeyRecordRetriever;
import org.apache.james.jdkim.exceptions.FailException;
import org.apache.james.jdkim.exceptions.PermFailException;
import org.apache.james.jdkim.exceptions.TempFailException;
import org.apache.james.jdkim.impl.Message;
import org.apache.james.mime4j.MimeException;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsPermanentException;
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

    private final DnsResolver resolver;

    public DkimVerification(DnsResolver resolver) {
        this.resolver = resolver;
    }

    /** The message's signatures, top to bottom, each verified; empty when it has none. */
    public List<Signature> verify(byte[] message) {
        List<String> fields;
        try {
            fields = parse(message).getFields("DKIM-Signature");
        } catch (IOException | MimeException | RuntimeException e) {
            return List.of(new Signature("", "", "", "", Result.PERMERROR, "unreadable message: " + e.getMessage()));
        }
        if (fields == null || fields.isEmpty()) {
            return List.of();
        }
        List<Signature> results = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            Map<String, String> tags = tags(fields.get(i));
            if (i >= MAX_SIGNATURES) {
                results.add(signature(tags, Result.POLICY, "not verified: more than " + MAX_SIGNATURES + " signatures"));
            } else {
                results.add(verifyOne(message, fields.get(i), tags));
            }
        }
        return results;
    }

    private Signature verifyOne(byte[] message, String field, Map<String, String> tags) {
        String algorithm = tags.getOrDefault("a", "");
        if (!algorithm.equals("rsa-sha256") && !algorithm.equals("rsa-sha1")) {
            // RFC 6376 §6.1.1: a verifier ignores a signature whose algorithm it does not implement.
            return signature(tags, Result.NEUTRAL, algorithm.isEmpty() ? "no a= tag" : "unsupported algorithm " + algorithm);
        }
        try {
            Message parsed = parse(message);
            try {
                new DKIMVerifier(new Keys()).verify(new OneSignature(parsed, field), parsed.getBodyInputStream());
                return signature(tags, Result.PASS, "");
            } finally {
                parsed.dispose();
            }
        } catch (TempFailException e) {
            return signature(tags, Result.TEMPERROR, reason(e));
        } catch (PermFailException e) {
            String reason = reason(e);
            // A signature that was checked and does not match fails; one that could not be checked is a permerror.
            boolean mismatch = reason.contains("does not verify") || reason.contains("bodyhash");
            return signature(tags, mismatch ? Result.FAIL : Result.PERMERROR, reason);
        } catch (FailException | IOException | MimeException | RuntimeException e) {
            // jDKIM throws unchecked exceptions on some malformed signatures: that signature is a permerror.
            return signature(tags, Result.PERMERROR, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static Message parse(byte[] message) throws IOException, MimeException {
        return new Message(new ByteArrayInputStream(message));
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
                tags.putIfAbsent(spec.substring(0, eq).trim().toLowerCase(Locale.ROOT),
                    spec.substring(eq + 1).replaceAll("[\\s]+", ""));
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

    /** DKIM keys (RFC 6376 §3.6.2) as TXT at selector._domainkey.domain, through mailsec's resolver. */
    private final class Keys implements PublicKeyRecordRetriever {
        @Override
        public List<String> getRecords(CharSequence methodAndOptions, CharSequence selector, CharSequence token)
                throws TempFailException, PermFailException {
            if (!"dns/txt".contentEquals(methodAndOptions)) {
                throw new PermFailException("unsupported key query method " + methodAndOptions);
            }
            String name = selector + "._domainkey." + token;
            try {
                DnsAnswer<String> answer = resolver.txt(name);
                if (answer.records().isEmpty()) {
                    throw new PermFailException("no key for signature at " + name);
                }
                return answer.records();
            } catch (DnsPermanentException e) {
                throw new PermFailException("DNS refused the key lookup of " + name + ": " + e.getMessage());
            } catch (DnsException e) {
                throw new TempFailException("key lookup of " + name + " failed: " + e.getMessage());
            }
        }
    }
}
