package org.mailsec.record;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code name=value; name=value} syntax the TXT records share (TLSRPT, MTA-STS, DMARC). A trailing
 * {@code ;} or {@code ;;} is accepted (testdata README decision: refusing would silently drop a policy);
 * an empty field between two others is an error.
 */
public final class TagList {

    /** An extension field name (RFC 8460 §3, RFC 8461 §3.1): letter or digit first, at most 32 characters. */
    private static final Pattern EXTENSION_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    /** An extension value: printable ASCII except {@code =}, {@code ;} and space. */
    private static final Pattern EXTENSION_VALUE = Pattern.compile("[\\x21-\\x3a\\x3c\\x3e-\\x7e]+");

    /** One {@code name=value} field, both stripped of surrounding whitespace. */
    public record Tag(String name, String value) {
    }

    private TagList() {
    }

    /** Splits the fields that follow the version tag; {@code fields} starts right after the version token. */
    public static List<Tag> parse(String fields) throws RecordException {
        String[] parts = fields.split(";", -1);
        List<Tag> tags = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            String field = parts[i].strip();
            if (i == 0) {
                if (!field.isEmpty()) {
                    throw RecordException.syntax("expected ';' after the version, found '" + field + "'");
                }
                continue;
            }
            if (field.isEmpty()) {
                if (onlyBlankFrom(parts, i)) {
                    continue;
                }
                throw RecordException.syntax("empty field between ';'");
            }
            int eq = field.indexOf('=');
            if (eq <= 0) {
                throw RecordException.syntax("field '" + field + "' is not name=value");
            }
            tags.add(new Tag(field.substring(0, eq).strip(), field.substring(eq + 1).strip()));
        }
        return tags;
    }

    /**
     * Splits the fields that follow the version tag, keeping what can be kept: an empty field or one that is not
     * {@code name=value} is left out, and said so in {@code discarded} (DMARC, RFC 7489 §6.3: syntax errors in
     * the remainder of the record are discarded). {@code fields} starts right after the version token.
     */
    public static List<Tag> parseLenient(String fields, List<String> discarded) throws RecordException {
        String[] parts = fields.split(";", -1);
        if (!parts[0].isBlank()) {
            throw RecordException.syntax("expected ';' after the version, found '" + parts[0].strip() + "'");
        }
        List<Tag> tags = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            String field = parts[i].strip();
            if (field.isEmpty()) {
                if (!onlyBlankFrom(parts, i)) {
                    discarded.add("empty field between ';'");
                }
                continue;
            }
            int eq = field.indexOf('=');
            if (eq <= 0) {
                discarded.add("field '" + field + "' is not name=value");
                continue;
            }
            tags.add(new Tag(field.substring(0, eq).strip(), field.substring(eq + 1).strip()));
        }
        return tags;
    }

    /** Checks an extension field's name and value against the shared grammar. */
    public static void checkExtension(Tag tag) throws RecordException {
        if (!EXTENSION_NAME.matcher(tag.name()).matches()) {
            throw RecordException.syntax("invalid extension name '" + tag.name() + "'");
        }
        if (!EXTENSION_VALUE.matcher(tag.value()).matches()) {
            throw RecordException.syntax("invalid value for extension '" + tag.name() + "'");
        }
    }

    private static boolean onlyBlankFrom(String[] parts, int from) {
        for (int i = from; i < parts.length; i++) {
            if (!parts[i].isBlank()) {
                return false;
            }
        }
        return true;
    }
}
