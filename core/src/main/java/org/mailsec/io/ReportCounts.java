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
    /** A count written as text ({@code "12"}): some senders quote their numbers. */
    private static final Pattern DIGITS = Pattern.compile("[+-]?[0-9]+(\\.0*)?");
    private static final BigDecimal MAX_DECIMAL = BigDecimal.valueOf(MAX);

    private ReportCounts() {
    }

    /** The count in {@code node} (a JSON number, or digits as a string); absent or null is 0. */
    public static long fromJson(String kind, String field, JsonNode node) throws RejectedInputException {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return 0;
        }
        if (node.isNumber()) {
            if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue()) && !node.isBigDecimal()) {
                throw refused(kind, field, node.asText(), "is not a finite number");
            }
            return check(kind, field, node.asText(), node.decimalValue());
        }
        if (node.isTextual()) {
            return fromText(kind, field, node.asText());
        }
        throw refused(kind, field, node.toString(), "is not a number");
    }

    /** The count written in {@code text} (an XML element's content); absent is 0. */
    public static long fromText(String kind, String field, String text) throws RejectedInputException {
        if (text == null) {
            return 0;
        }
        String s = text.strip();
        if (!DIGITS.matcher(s).matches()) {
            throw refused(kind, field, s, "is not a whole number");
        }
        return check(kind, field, s, new BigDecimal(s.startsWith("+") ? s.substring(1) : s));
    }

    private static long check(String kind, String field, String shown, BigDecimal value) throws RejectedInputException {
        if (value.signum() < 0) {
            throw refused(kind, field, shown, "is negative");
        }
        if (value.signum() != 0 && value.stripTrailingZeros().scale() > 0) {
            throw refused(kind, field, shown, "is not a whole number");
        }
        if (value.compareTo(MAX_DECIMAL) > 0) {
            throw refused(kind, field, shown, "is more than " + MAX);
        }
        return value.longValueExact();
    }

    private static RejectedInputException refused(String kind, String field, String value, String why) {
        String shown = value.length() <= 40 ? value : value.substring(0, 40) + "… (" + value.length() + " characters)";
        return new RejectedInputException("refused " + kind + ": " + field + " " + shown + " " + why);
    }
}
