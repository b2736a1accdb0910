package org.mailsec.io;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** Recognises what a blob of bytes is from its first bytes, not from what a sender claims it is. */
public final class ContentSniffer {

    public enum Kind { GZIP, ZIP, MAIL, JSON, XML, EMPTY, UNKNOWN }

    // A header field name (RFC 5322 §3.6.8: printable ASCII except colon) then a colon.
    private static final Pattern HEADER_LINE = Pattern.compile("^[!-9;-~]{1,76}:.*", Pattern.DOTALL);

    private ContentSniffer() {
    }

    public static Kind sniff(byte[] bytes) {
        if (bytes.length == 0) {
            return Kind.EMPTY;
        }
        if (bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
            return Kind.GZIP;
        }
        if (bytes.length >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4) {
            return Kind.ZIP;
        }
        if (utf16Markup(bytes)) {
            return Kind.XML;
        }
        int start = skipBomAndWhitespace(bytes);
        if (start < bytes.length) {
            byte first = bytes[start];
            if (first == '{' || first == '[') {
                return Kind.JSON;
            }
            if (first == '<') {
                return Kind.XML;
            }
        }
        if (start == bytes.length) {
            return Kind.EMPTY;
        }
        String firstLine = firstLine(bytes);
        if (HEADER_LINE.matcher(firstLine).matches()) {
            return Kind.MAIL;
        }
        return Kind.UNKNOWN;
    }

    /**
     * UTF-16 whose first character (after a byte order mark and whitespace) is {@code <}: XML 1.0 Appendix F's
     * autodetection. JSON is never UTF-16 on the wire (RFC 8259 §8.1), XML may be.
     */
    private static boolean utf16Markup(byte[] bytes) {
        Boolean bigEndian = utf16ByteOrder(bytes);
        if (bigEndian == null) {
            return false;
        }
        int i = bytes.length >= 2 && ((bytes[0] & 0xff) == 0xfe || (bytes[0] & 0xff) == 0xff) ? 2 : 0;
        for (; i + 1 < bytes.length; i += 2) {
            int unit = bigEndian ? (bytes[i] & 0xff) << 8 | (bytes[i + 1] & 0xff) : (bytes[i + 1] & 0xff) << 8 | (bytes[i] & 0xff);
            if (unit != ' ' && unit != '\t' && unit != '\r' && unit != '\n') {
                return unit == '<';
            }
        }
        return false;
    }

    /** True for UTF-16BE, false for UTF-16LE, null when {@code bytes} do not look like UTF-16 (BOM, or a NUL pair). */
    public static Boolean utf16ByteOrder(byte[] bytes) {
        if (bytes.length < 4) {
            return null;
        }
        int b0 = bytes[0] & 0xff;
        int b1 = bytes[1] & 0xff;
        if (b0 == 0xfe && b1 == 0xff) {
            return true;
        }
        if (b0 == 0xff && b1 == 0xfe) {
            return false;
        }
        // No BOM: '<' (or whitespace) with a zero byte before or after it, as XML 1.0 Appendix F lists.
        if (b0 == 0 && b1 != 0 && bytes[2] == 0) {
            return true;
        }
        if (b0 != 0 && b1 == 0 && bytes[3] == 0) {
            return false;
        }
        return null;
    }

    /** The bytes start with the UTF-8 byte order mark. */
    public static boolean utf8Bom(byte[] bytes) {
        return bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb && (bytes[2] & 0xff) == 0xbf;
    }

    private static int skipBomAndWhitespace(byte[] bytes) {
        int i = utf8Bom(bytes) ? 3 : 0;
        while (i < bytes.length && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\r' || bytes[i] == '\n')) {
            i++;
        }
        return i;
    }

    private static String firstLine(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && end < 1000 && bytes[end] != '\n' && bytes[end] != '\r') {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
    }
}
