package org.mailsec.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Jackson's streaming parser over untrusted JSON, every token checked against {@link BoundedJson.Limits} before
 * anything is made of it: nesting depth, field-name length, number length, and the count of values; a string's
 * length when it is read ({@link #text()}): a string that is skipped is never decoded nor held, so a long one in a
 * field nobody reads is no refusal.
 * Readers that map JSON straight into their own model use it instead of a tree ({@link BoundedJson} builds its
 * tree on it), so no part of a document is held that the model does not keep.
 */
public final class BoundedJsonParser implements AutoCloseable {

    private static final JsonFactory FACTORY = new JsonFactory();

    private final JsonParser parser;
    private final BoundedJson.Limits limits;
    private JsonToken current;
    private int depth;
    private int values;

    private BoundedJsonParser(JsonParser parser, BoundedJson.Limits limits) {
        this.parser = parser;
        this.limits = limits;
    }

    public static BoundedJsonParser of(byte[] json, BoundedJson.Limits limits) throws RejectedInputException {
        try {
            return new BoundedJsonParser(FACTORY.createParser(json), limits);
        } catch (IOException e) {
            throw invalid(e);
        }
    }

    /** The next token, checked; null after the last one. A syntax error is a {@link RejectedInputException}. */
    public JsonToken next() throws RejectedInputException {
        try {
            current = parser.nextToken();
        } catch (IOException e) {
            throw invalid(e);
        }
        if (current == null) {
            return null;
        }
        try {
            check(current);
        } catch (IOException e) {
            throw invalid(e);
        }
        return current;
    }

    private void check(JsonToken token) throws IOException, RejectedInputException {
        switch (token) {
            case FIELD_NAME -> checkString(parser.getTextLength(), "field name");
            case END_OBJECT, END_ARRAY -> depth--;
            case START_OBJECT, START_ARRAY -> {
                countValue();
                if (depth >= limits.maxDepth()) {
                    throw new InvalidJson("JSON nested deeper than " + limits.maxDepth() + " levels");
                }
                depth++;
            }
            // A string's length is checked when it is read (text()): one that is skipped is never decoded nor held.
            case VALUE_STRING -> countValue();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                countValue();
                if (parser.getTextLength() > limits.maxNumberChars()) {
                    throw new InvalidJson("JSON number longer than " + limits.maxNumberChars() + " characters");
                }
            }
            case VALUE_TRUE, VALUE_FALSE, VALUE_NULL -> countValue();
            default -> throw new InvalidJson("unexpected JSON token " + token);
        }
    }

    /**
     * Inside an object: the next field's name (its value is the next token), or null at the object's end. Jackson
     * reads the name and the colon in one step here, faster than a FIELD_NAME token and its name apart.
     */
    public String nextField() throws RejectedInputException {
        String name;
        try {
            name = parser.nextFieldName();
        } catch (IOException e) {
            throw invalid(e);
        }
        current = parser.currentToken();
        if (name != null) {
            checkString(name.length(), "field name");
            return name;
        }
        if (current == JsonToken.END_OBJECT) {
            depth--;
            return null;
        }
        throw new InvalidJson(current == null ? "truncated JSON" : "invalid JSON: " + current + " where a field name belongs");
    }

    /** The next token, which must exist: the end of the input inside a value is truncated JSON. */
    public JsonToken nextRequired() throws RejectedInputException {
        JsonToken token = next();
        if (token == null) {
            throw new InvalidJson(depth == 0 ? "no JSON value" : "truncated JSON");
        }
        return token;
    }

    public JsonToken current() {
        return current;
    }

    /** Arrays and objects open around the current token. */
    public int depth() {
        return depth;
    }

    /** The current field's name (the current token is {@code FIELD_NAME}). */
    public String fieldName() throws RejectedInputException {
        try {
            return parser.getCurrentName();
        } catch (IOException e) {
            throw invalid(e);
        }
    }

    public boolean isScalar() {
        return current != null && current.isScalarValue();
    }

    public boolean isNumber() {
        return current == JsonToken.VALUE_NUMBER_INT || current == JsonToken.VALUE_NUMBER_FLOAT;
    }

    /**
     * The current scalar as text, as Jackson's tree gives it ({@code asText}): a string as it is, numbers in their
     * canonical form, {@code true}/{@code false}, {@code null}.
     */
    public String text() throws RejectedInputException {
        try {
            return switch (current) {
                case VALUE_STRING -> {
                    checkString(parser.getTextLength(), "string");
                    yield parser.getText();
                }
                case VALUE_NUMBER_INT -> parser.getTextLength() <= 18 ? Long.toString(parser.getLongValue())
                    : new BigInteger(parser.getText()).toString();
                case VALUE_NUMBER_FLOAT -> decimalText(new BigDecimal(parser.getText()));
                case VALUE_TRUE -> "true";
                case VALUE_FALSE -> "false";
                case VALUE_NULL -> "null";
                default -> throw new IllegalStateException("not a scalar: " + current);
            };
        } catch (IOException | NumberFormatException e) {
            throw invalid(e);
        }
    }

    /** The current whole number when it has at most 18 digits (so it fits a long); null otherwise. */
    public Long smallLong() throws RejectedInputException {
        try {
            if (current != JsonToken.VALUE_NUMBER_INT || parser.getTextLength() > 18) {
                return null;
            }
            return parser.getLongValue();
        } catch (IOException e) {
            throw invalid(e);
        }
    }

    /** A decimal as Jackson's tree gives its text (trailing zeros stripped: 1.50 is "1.5", 0.0 is "0"). */
    private static String decimalText(BigDecimal value) {
        if (value.signum() == 0) {
            return "0";
        }
        try {
            return value.stripTrailingZeros().toString();
        } catch (ArithmeticException e) {
            return value.toString();
        }
    }

    /**
     * The current number, exact: a decimal with a huge exponent (1e999999) stays a small object, and 5.0000000000000001
     * is not rounded to 5.
     */
    public BigDecimal decimal() throws RejectedInputException {
        try {
            return new BigDecimal(parser.getText());
        } catch (IOException | NumberFormatException e) {
            throw invalid(e);
        }
    }

    /** Moves past the current value: a scalar stays, a container is read to its end (every token checked). */
    public void skipValue() throws RejectedInputException {
        if (current != JsonToken.START_OBJECT && current != JsonToken.START_ARRAY) {
            return;
        }
        int end = depth - 1;
        while (depth > end) {
            nextRequired();
        }
    }

    private void countValue() throws RejectedInputException {
        if (++values > limits.maxValues()) {
            throw new InvalidJson("JSON with more than " + limits.maxValues() + " values");
        }
    }

    private void checkString(int length, String what) throws RejectedInputException {
        if (length > limits.maxStringChars()) {
            throw new InvalidJson("JSON " + what + " longer than " + limits.maxStringChars() + " characters");
        }
    }

    /** JSON this parser refuses: not JSON, truncated, or over a limit (not a fault of the document's content). */
    public static final class InvalidJson extends RejectedInputException {
        InvalidJson(String message) {
            super(message);
        }
    }

    private static InvalidJson invalid(Exception e) {
        String message = e.getMessage();
        if (message == null) {
            message = "unreadable";
        }
        int nl = message.indexOf('\n');
        return new InvalidJson("invalid JSON: " + (nl < 0 ? message : message.substring(0, nl)));
    }

    @Override
    public void close() {
        try {
            parser.close();
        } catch (IOException e) {
            // a parser over a byte array has nothing to release
        }
    }
}
