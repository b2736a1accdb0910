package org.mailsec.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * The session and message counts mailsec accepts from outside (TLS and DMARC reports): whole numbers from 0 to
 * {@link #MAX}. Anything else refuses the report with a reason, never becomes another number: a negative count,
 * a fraction, text, or a count past {@link #MAX} (2^64+5 must not wrap to 5, 1e400 must not become
 * Long.MAX_VALUE). The cap also keeps every sum over one report far inside a long.
 */
public final class ReportCounts {

    /** A trillion sessions or messages: far above any real count, far below what sums could overflow. */
    public static final long MAX = 1_000_000_000_000L;
    /** A count written as text ({@code "12"}, {@code " 12 "}, {@code "12.0"}): some senders quote their numbers. */
    private static final Pattern WHOLE = Pattern.compile("([+-]?)([0-9]++)(?:\\.0*+)?");
    private static final BigDecimal MAX_DECIMAL = BigDecimal.valueOf(MAX);
    private static final int MAX_DIGITS = Long.toString(MAX).length();

    private ReportCounts() {
    }

    /** The count in {@code node} (a JSON number, or digits as a string); absent or null is 0. */
    public static long fromJson(String kind, String field, JsonNode node) throws RejectedInputException {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return 0;
        }
        if (node.isNumber()) {
            if (node.isFloatingPointNumber() && !node.isBigDecimal()) {
                // A double has already rounded: 5.0000000000000001 would pass as 5 (BoundedJson keeps decimals exact).
                throw refused(kind, field, node.asText(), "is not an exact number");
            }
            return fromDecimal(kind, field, node.decimalValue(), node.asText());
        }
        if (node.isTextual()) {
            return fromText(kind, field, node.asText());
        }
        throw refused(kind, field, node.toString(), "is not a number");
    }

    /** The count at the parser's current value (read past it); JSON null is 0. */
    public static long fromJson(String kind, String field, BoundedJsonParser json) throws RejectedInputException {
        Long small = json.smallLong();
        if (small != null) {
            // The common case, without a BigDecimal: a plain integer of at most 18 digits.
            return fromLong(kind, field, small);
        }
        return switch (json.current()) {
            case VALUE_NULL -> 0;
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> fromDecimal(kind, field, json.decimal(), json.text());
            case VALUE_STRING -> fromText(kind, field, json.text());
            case START_ARRAY, START_OBJECT -> {
                String shown = json.current() == com.fasterxml.jackson.core.JsonToken.START_ARRAY ? "[…]" : "{…}";
                json.skipValue();
                throw refused(kind, field, shown, "is not a number");
            }
            default -> throw refused(kind, field, json.text(), "is not a number");
        };
    }

    private static long fromLong(String kind, String field, long value) throws RejectedInputException {
        if (value < 0) {
            throw refused(kind, field, Long.toString(value), "is negative");
        }
        if (value > MAX) {
            throw refused(kind, field, Long.toString(value), "is more than " + MAX);
        }
        return value;
    }

    private static long fromDecimal(String kind, String field, BigDecimal value, String shown) throws RejectedInputException {
        if (value.signum() < 0) {
            throw refused(kind, field, shown, "is negative");
        }
        // Magnitude before anything that could cost: 1e999999999 compares by its exponent.
        if (value.compareTo(MAX_DECIMAL) > 0) {
            throw refused(kind, field, shown, "is more than " + MAX);
        }
        if (value.signum() != 0 && value.stripTrailingZeros().scale() > 0) {
            throw refused(kind, field, shown, "is not a whole number");
        }
        return value.longValueExact();
    }

    /** The count written in {@code text} (an XML element's content); absent is 0. Linear in the text's length. */
    public static long fromText(String kind, String field, String text) throws RejectedInputException {
        if (text == null) {
            return 0;
        }
        String s = text.strip();
        java.util.regex.Matcher whole = WHOLE.matcher(s);
        if (!whole.matches()) {
            throw refused(kind, field, s, "is not a whole number");
        }
        String digits = whole.group(2);
        int first = 0;
        while (first < digits.length() - 1 && digits.charAt(first) == '0') {
            first++;
        }
        digits = digits.substring(first);
        if (whole.group(1).equals("-") && !digits.equals("0")) {
            throw refused(kind, field, s, "is negative");
        }
        if (digits.length() > MAX_DIGITS || Long.parseLong(digits) > MAX) {
            throw refused(kind, field, s, "is more than " + MAX);
        }
        return Long.parseLong(digits);
    }

    private static RejectedInputException refused(String kind, String field, String value, String why) {
        String shown = value.length() <= 40 ? value : value.substring(0, 40) + "… (" + value.length() + " characters)";
        return new RejectedInputException("refused " + kind + ": " + field + " " + shown + " " + why);
    }
}
