package org.mailsec.io;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Reads untrusted JSON into a Jackson tree within limits on nesting, string length, number length and
 * values, checked token by token before anything is built from them. James 3.8.1 brings Jackson 2.14,
 * which has no {@code StreamReadConstraints}: its tree reader would build millions of nested arrays, or
 * parse a number of a million digits, from a few kilobytes of gzip. Use this for every JSON document from
 * outside, including JSON found inside a field of another document. The checks are {@link BoundedJsonParser}'s,
 * which readers that need no tree use directly.
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

    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(false);

    private BoundedJson() {
    }

    public static JsonNode read(String json, Limits limits) throws RejectedInputException {
        return read(json.getBytes(StandardCharsets.UTF_8), limits);
    }

    /** The document's first value; what follows it is ignored, as Jackson's own tree reader does. */
    public static JsonNode read(byte[] json, Limits limits) throws RejectedInputException {
        try (BoundedJsonParser parser = BoundedJsonParser.of(json, limits)) {
            return tree(parser);
        }
    }

    private static JsonNode tree(BoundedJsonParser parser) throws RejectedInputException {
        Deque<JsonNode> open = new ArrayDeque<>();
        String field = null;
        JsonToken token;
        while ((token = parser.next()) != null) {
            if (token == JsonToken.FIELD_NAME) {
                field = parser.fieldName();
                continue;
            }
            if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
                JsonNode closed = open.pop();
                if (open.isEmpty()) {
                    return closed;
                }
                continue;
            }
            JsonNode node = value(parser, token);
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
                open.push(node);
            }
        }
        throw new RejectedInputException(open.isEmpty() ? "no JSON value" : "truncated JSON");
    }

    private static JsonNode value(BoundedJsonParser parser, JsonToken token) throws RejectedInputException {
        return switch (token) {
            case START_OBJECT -> NODES.objectNode();
            case START_ARRAY -> NODES.arrayNode();
            case VALUE_STRING -> NODES.textNode(parser.text());
            case VALUE_NUMBER_INT -> {
                String digits = parser.text();
                yield digits.length() <= 18 ? NODES.numberNode(Long.parseLong(digits)) : NODES.numberNode(new BigInteger(digits));
            }
            // Kept exact: BigDecimal holds huge exponents (1e999999) without expanding them, and a count of
            // 5.0000000000000001 must not round to 5 on its way to the reader.
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.decimal());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new RejectedInputException("unexpected JSON token " + token);
        };
    }
}
