package org.mailsec.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Makes a value from outside fit the column it goes to, by design rather than by a database error: NUL
 * characters removed (PostgreSQL refuses them in text), and a value longer than the column cut to its width
 * with a hash of the whole at the end, so two long values that share a prefix stay distinct as keys.
 */
public final class Columns {

    /** Widths of the schema's common columns. */
    public static final int NAME = 255;
    public static final int ADDRESS = 512;
    public static final int COMMENT = 1024;
    public static final int REASON = 2048;
    public static final int HEADER = 998;
    public static final int LONG_TEXT = 65535;

    /** "…#" and 16 hex digits of SHA-256. */
    private static final int HASH_SUFFIX = 18;

    private Columns() {
    }

    /** {@code value} without NULs and at most {@code width} characters; null stays null. */
    public static String fit(String value, int width) {
        if (value == null) {
            return null;
        }
        String clean = value.indexOf('\0') >= 0 ? value.replace("\0", "") : value;
        if (clean.length() <= width) {
            return clean;
        }
        if (width <= HASH_SUFFIX) {
            return clean.substring(0, width);
        }
        int keep = width - HASH_SUFFIX;
        // Never cut a surrogate pair in two.
        if (Character.isHighSurrogate(clean.charAt(keep - 1))) {
            keep--;
        }
        return clean.substring(0, keep) + "…#" + sha256(clean).substring(0, 16);
    }

    /** {@code value} without NULs, cut to {@code width} characters with "…" (free text: no hash needed). */
    public static String truncate(String value, int width) {
        if (value == null) {
            return null;
        }
        String clean = value.indexOf('\0') >= 0 ? value.replace("\0", "") : value;
        if (clean.length() <= width) {
            return clean;
        }
        int keep = width - 1;
        if (Character.isHighSurrogate(clean.charAt(keep - 1))) {
            keep--;
        }
        return clean.substring(0, keep) + "…";
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JVM", e);
        }
    }
}
