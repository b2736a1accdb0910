package org.mailsec.authentication;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;

/**
 * Header fields edited in a message's bytes, leaving every other byte as received: adding a field through
 * javax.mail makes James save the message again on its way, which rewrites MIME-Version and adds Date and Message-ID —
 * and so breaks DKIM signatures a later verifier checks.
 */
public final class HeaderFields {

    private HeaderFields() {
    }

    /**
     * {@code message} with {@code field} (a whole "Name: value" field, folded as it should be) prepended, and without
     * the fields named {@code name} whose value {@code drop} accepts.
     */
    public static byte[] prependAndDrop(byte[] message, String field, String name, Predicate<String> drop) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + field.length() + 2);
        out.writeBytes((field + "\r\n").getBytes(StandardCharsets.UTF_8));
        int bodyStart = headerEnd(message);
        int start = 0;
        while (start < bodyStart) {
            int end = fieldEnd(message, start, bodyStart);
            if (!named(message, start, end, name) || !drop.test(value(message, start, end, name))) {
                out.write(message, start, end - start);
            }
            start = end;
        }
        out.write(message, bodyStart, message.length - bodyStart);
        return out.toByteArray();
    }

    /** {@code message} without the fields named {@code name} whose value {@code drop} accepts. */
    public static byte[] dropOnly(byte[] message, String name, Predicate<String> drop) {
        byte[] withEmptyFirst = prependAndDrop(message, "", name, drop);
        // prependAndDrop wrote an empty first line for the field: take it off again.
        return java.util.Arrays.copyOfRange(withEmptyFirst, 2, withEmptyFirst.length);
    }

    /** Where the header section ends: just after its last field's line end (the empty line stays with the body). */
    private static int headerEnd(byte[] m) {
        int i = 0;
        while (i < m.length) {
            if (m[i] == '\r' || m[i] == '\n') {
                return i;
            }
            i = lineEnd(m, i, m.length);
        }
        return m.length;
    }

    /** A field: its first line and the continuation lines that start with white space (RFC 5322 §2.2.3). */
    private static int fieldEnd(byte[] m, int start, int limit) {
        int end = lineEnd(m, start, limit);
        while (end < limit && (m[end] == ' ' || m[end] == '\t')) {
            end = lineEnd(m, end, limit);
        }
        return end;
    }

    private static int lineEnd(byte[] m, int start, int limit) {
        int i = start;
        while (i < limit && m[i] != '\n') {
            i++;
        }
        return Math.min(i + 1, limit);
    }

    private static boolean named(byte[] m, int start, int end, String name) {
        int colon = start + name.length();
        if (colon >= end || m[colon] != ':' && m[colon] != ' ' && m[colon] != '\t') {
            return false;
        }
        String found = new String(m, start, name.length(), StandardCharsets.ISO_8859_1);
        return found.equalsIgnoreCase(name);
    }

    private static String value(byte[] m, int start, int end, String name) {
        String field = new String(m, start, end - start, StandardCharsets.ISO_8859_1);
        int colon = field.indexOf(':', name.length());
        return colon < 0 ? "" : field.substring(colon + 1).replaceAll("\r?\n", "");
    }
}
