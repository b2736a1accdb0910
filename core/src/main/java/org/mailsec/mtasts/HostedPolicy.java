package org.mailsec.mtasts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A policy we publish for one of our domains (RFC 8461 §3.2), with the {@code id} of its {@code _mta-sts} record
 * derived from its text: the id changes exactly when the policy does, which is what tells senders to fetch it again
 * (§3.1), and two James nodes serving the same policy give the same id.
 */
public record HostedPolicy(MtaStsPolicy policy) {

    /** A policy of ours: mode, MX patterns (lower-case A-labels, {@code *.} allowed), max_age. */
    public static HostedPolicy of(MtaStsPolicy.Mode mode, List<String> mx, Duration maxAge) {
        if (maxAge.isNegative() || maxAge.getSeconds() > MtaStsPolicy.MAX_AGE_LIMIT) {
            throw new IllegalArgumentException("max_age must be 0 to " + MtaStsPolicy.MAX_AGE_LIMIT + " seconds");
        }
        if (mx.isEmpty() && mode != MtaStsPolicy.Mode.NONE) {
            throw new IllegalArgumentException("a policy in mode " + mode.value() + " needs at least one mx");
        }
        return new HostedPolicy(new MtaStsPolicy(mode, mx, Duration.ofSeconds(maxAge.getSeconds()), Map.of(), List.of()));
    }

    /** The body served at {@code https://mta-sts.<domain>/.well-known/mta-sts.txt}: CRLF lines (§3.2). */
    public String text() {
        return String.join("\r\n", policy.lines()) + "\r\n";
    }

    /** 20 hex digits of the text's SHA-256: within the 1–32 alphanumerics §3.1 allows. */
    public String id() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text().getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(digest, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The TXT record announcing it. */
    public String record(String domain) {
        return "_mta-sts." + domain + ". IN TXT \"v=STSv1; id=" + id() + "\"";
    }
}
