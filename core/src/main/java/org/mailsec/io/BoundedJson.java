package org.mailsec.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Reads untrusted JSON into a Jackson tree within limits on nesting, string length, number length and
 * values, checked token by token before anything is built from them. James 3.8.1 brings Jackson 2.14,
 * which has no {@code StreamReadConstraints}: its tree reader would build millions of nested arrays, or
 * parse a number of a million digits, from a few kilobytes of gzip. Use this for every JSON document from
 * outside, including JSON found inside a field of another document.
 */
public final class BoundedJson {

    /**
     * @param maxDepth       deepest nesting of arrays and objects
     * @param maxStringChars longest string value or field name
     * @param maxNumberChars longest number literal
     * @param maxValues      most values (scalars, arrays, objects) in the document
     */
    public record Limits(int maxDepth, int maxStringChars, int maxNumberChars, int maxValues) {

        /**
         * A TLS report needs 5 levels and short strings; the largest real report in the test data has under 100
         * values. 500,000 values bound a hostile document's tree to about 50 MB.
         */
        public static final Limits REPORT = new Limits(32, 64 * 1024, 64, 500_000);

        public Limits {
            if (maxDepth <= 0 || maxStringChars <= 0 || maxNumberChars <= 0 || maxValues <= 0) {
                throw new IllegalArgumentException("JSON limits must be positive");
            }
        }
    }

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(false);

    private BoundedJson() {
    }

    public static JsonNode read(String json, Limits limits) throws RejectedInputException {
        return read(json.getBytes(StandardCharsets.UTF_8), limits);
    }

    /** The document's first value; what follows it is ignored, as Jackson's own tree reader does. */
    public static JsonNode read(byte[] json, Limits limits) throws RejectedInputException {
        try (JsonParser parser = FACTORY.createParser(json)) {
            return tree(parser, limits);
        } catch (IOException | NumberFormatException e) {
            throw new RejectedInputException("invalid JSON: " + firstLine(e.getMessage()));
        }
    }

    private static JsonNode tree(JsonParser parser, Limits limits) throws IOException, RejectedInputException {
        Deque<JsonNode> open = new ArrayDeque<>();
        String field = null;
        int values = 0;
        JsonToken token;
        while ((token = parser.nextToken()) != null) {
            if (token == JsonToken.FIELD_NAME) {
                field = parser.getCurrentName();
                checkString(field.length(), limits, "field name");
                continue;
            }
            if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
                JsonNode closed = open.pop();
                if (open.isEmpty()) {
                    return closed;
                }
                continue;
            }
            if (++values > limits.maxValues()) {
                throw new RejectedInputException("JSON with more than " + limits.maxValues() + " values");
            }
            JsonNode node = value(parser, token, limits);
            if (open.isEmpty()) {
                if (!node.isContainerNode()) {
                    return node;
                }
            } else if (open.peek() instanceof ObjectNode object) {
                object.set(field, node);
            } else {
                ((ArrayNode) open.peek()).add(node);
            }
            if (node.isContainerNode()) {
                if (open.size() >= limits.maxDepth()) {
                    throw new RejectedInputException("JSON nested deeper than " + limits.maxDepth() + " levels");
                }
                open.push(node);
            }
        }
        throw new RejectedInputException(open.isEmpty() ? "no JSON value" : "truncated JSON");
    }

    private static JsonNode value(JsonParser parser, JsonToken token, Limits limits) throws IOException, RejectedInputException {
        switch (token) {
            case START_OBJECT:
                return NODES.objectNode();
            case START_ARRAY:
                return NODES.arrayNode();
            case VALUE_STRING:
                checkString(parser.getTextLength(), limits, "string");
                return NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT:
                checkNumber(parser, limits);
                String digits = parser.getText();
                return digits.length() <= 18 ? NODES.numberNode(Long.parseLong(digits)) : NODES.numberNode(new BigInteger(digits));
            case VALUE_NUMBER_FLOAT:
                checkNumber(parser, limits);
                // Kept exact: BigDecimal holds huge exponents (1e999999) without expanding them, and a count of
                // 5.0000000000000001 must not round to 5 on its way to the reader.
                return NODES.numberNode(new BigDecimal(parser.getText()));
            case VALUE_TRUE:
                return NODES.booleanNode(true);
            case VALUE_FALSE:
                return NODES.booleanNode(false);
            case VALUE_NULL:
                return NODES.nullNode();
            default:
                throw new RejectedInputException("unexpected JSON token " + token);
        }
    }

    private static void checkString(int length, Limits limits, String what) throws RejectedInputException {
        if (length > limits.maxStringChars()) {
            throw new RejectedInputException("JSON " + what + " longer than " + limits.maxStringChars() + " characters");
        }
    }

    private static void checkNumber(JsonParser parser, Limits limits) throws IOException, RejectedInputException {
        if (parser.getTextLength() > limits.maxNumberChars()) {
            throw new RejectedInputException("JSON number longer than " + limits.maxNumberChars() + " characters");
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
