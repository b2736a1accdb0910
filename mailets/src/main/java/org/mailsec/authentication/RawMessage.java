package org.mailsec.authentication;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.james.jdkim.api.Headers;

/**
 * A message's header fields as jDKIM reads them — each field's raw text, folding included, without its final line
 * break — and its body, straight from the bytes received. jDKIM's own parser builds a mime4j message builder per
 * message, and mime4j looks its services up on the class path each time: in James, with its hundreds of jars, that
 * cost more than the signature checks.
 */
final class RawMessage implements Headers {

    private final byte[] bytes;
    private final List<String> fields = new ArrayList<>();
    private final Map<String, List<String>> byName = new HashMap<>();
    private final int bodyStart;

    RawMessage(byte[] bytes) {
        this.bytes = bytes;
        int i = 0;
        int body = bytes.length;
        while (i < bytes.length) {
            if (bytes[i] == '\r' || bytes[i] == '\n') {
                // The empty line ends the header section; the body starts after it (RFC 5322 §2.1).
                body = lineEnd(i);
                break;
            }
            int end = lineEnd(i);
            while (end < bytes.length && (bytes[end] == ' ' || bytes[end] == '\t')) {
                end = lineEnd(end);
            }
            String field = new String(bytes, i, end - i, StandardCharsets.ISO_8859_1);
            field = field.endsWith("\r\n") ? field.substring(0, field.length() - 2)
                : field.endsWith("\n") ? field.substring(0, field.length() - 1) : field;
            int colon = field.indexOf(':');
            if (colon > 0) {
                fields.add(field);
                byName.computeIfAbsent(field.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(field);
            }
            i = end;
        }
        this.bodyStart = body;
    }

    private int lineEnd(int start) {
        int i = start;
        while (i < bytes.length && bytes[i] != '\n') {
            i++;
        }
        return Math.min(i + 1, bytes.length);
    }

    @Override
    public List<String> getFields() {
        return fields;
    }

    /** The fields named {@code name} (without case), top to bottom. */
    @Override
    public List<String> getFields(String name) {
        return byName.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    InputStream body() {
        return new ByteArrayInputStream(bytes, bodyStart, bytes.length - bodyStart);
    }

    int bodyLength() {
        return bytes.length - bodyStart;
    }
}
