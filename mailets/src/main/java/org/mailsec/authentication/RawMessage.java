package org.mailsec.authentication;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.james.jdkim.api.Headers;

/**
 * A received message's header fields and body, read straight from its bytes, once per message, for every check and
 * for the one edit mailsec makes:
 * <ul>
 *   <li>jDKIM reads the fields through {@link Headers} — each field's raw text, folding included, without its final
 *       line break. jDKIM's own parser builds a mime4j message builder per message, and mime4j looks its services up
 *       on the class path each time: in James, with its hundreds of jars, that cost more than the signature checks.</li>
 *   <li>Our Authentication-Results is put in the bytes, every other byte left as received: adding a field through
 *       javax.mail makes James save the message again on its way, which rewrites MIME-Version and adds Date and
 *       Message-ID — and so breaks DKIM signatures a later verifier checks.</li>
 * </ul>
 */
public final class RawMessage implements Headers {

    /** A header field: its raw text (no final line break) and where it stands in the bytes, line break included. */
    private record Field(String text, int start, int end) {
        String name() {
            int colon = text.indexOf(':');
            return colon < 0 ? "" : text.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        }

        /** The value after the colon, unfolded. */
        String value() {
            return text.substring(text.indexOf(':') + 1).replaceAll("\r?\n", "");
        }
    }

    private final byte[] bytes;
    /** Every field line group, those without a colon too: an edit keeps them as they are. */
    private final List<Field> all = new ArrayList<>();
    private final List<String> fields = new ArrayList<>();
    private final Map<String, List<String>> byName = new HashMap<>();
    /** Where the header section ends: the empty line, which stays with the body when the message is edited. */
    private final int headerEnd;
    private final int bodyStart;

    public RawMessage(byte[] bytes) {
        this.bytes = bytes;
        int i = 0;
        int header = bytes.length;
        int body = bytes.length;
        while (i < bytes.length) {
            if (bytes[i] == '\r' || bytes[i] == '\n') {
                // The empty line ends the header section; the body starts after it (RFC 5322 §2.1).
                header = i;
                body = lineEnd(i);
                break;
            }
            // A field is its first line and the continuation lines that start with white space (RFC 5322 §2.2.3).
            int end = lineEnd(i);
            while (end < bytes.length && (bytes[end] == ' ' || bytes[end] == '\t')) {
                end = lineEnd(end);
            }
            String text = new String(bytes, i, end - i, StandardCharsets.ISO_8859_1);
            text = text.endsWith("\r\n") ? text.substring(0, text.length() - 2)
                : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
            Field field = new Field(text, i, end);
            all.add(field);
            if (text.indexOf(':') > 0) {
                fields.add(text);
                byName.computeIfAbsent(field.name(), k -> new ArrayList<>()).add(text);
            }
            i = end;
        }
        this.headerEnd = header;
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

    /** The values of the fields named {@code name}, top to bottom, each unfolded, as received (ISO-8859-1 chars). */
    List<String> values(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return all.stream().filter(f -> f.name().equals(lower) && f.text().indexOf(':') > 0).map(Field::value).toList();
    }

    public InputStream body() {
        return new ByteArrayInputStream(bytes, bodyStart, bytes.length - bodyStart);
    }

    int bodyLength() {
        return bytes.length - bodyStart;
    }

    /**
     * The message's bytes with {@code field} (a whole "Name: value" field, folded as it should be) prepended, and
     * without the fields named {@code name} whose value {@code drop} accepts.
     */
    public byte[] prepended(String field, String name, Predicate<String> drop) {
        return rewritten((field + "\r\n").getBytes(StandardCharsets.UTF_8), name, drop);
    }

    /** The message's bytes without the fields named {@code name} whose value {@code drop} accepts. */
    public byte[] without(String name, Predicate<String> drop) {
        return rewritten(new byte[0], name, drop);
    }

    private byte[] rewritten(byte[] prefix, String name, Predicate<String> drop) {
        String lower = name.toLowerCase(Locale.ROOT);
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + prefix.length);
        out.writeBytes(prefix);
        for (Field f : all) {
            if (!f.name().equals(lower) || f.text().indexOf(':') <= 0 || !drop.test(f.value())) {
                out.write(bytes, f.start(), f.end() - f.start());
            }
        }
        out.write(bytes, headerEnd, bytes.length - headerEnd);
        return out.toByteArray();
    }
}
