package org.mailsec.webadmin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.inject.Inject;
import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.mailsec.store.suppression.Suppression;
import org.mailsec.store.suppression.SuppressionList;
import spark.Request;
import spark.Service;

/**
 * Addresses that get no reports from us (TLS or DMARC).
 * <ul>
 *   <li>{@code GET /mailsec/suppressions/{tls|dmarc}}</li>
 *   <li>{@code PUT /mailsec/suppressions/{tls|dmarc}/{address}} with {@code {"until":"…Z","comment":"…"}}: add or
 *       extend</li>
 *   <li>{@code DELETE /mailsec/suppressions/{tls|dmarc}/{address}}</li>
 * </ul>
 */
public class SuppressionRoutes implements Routes {

    public static final String BASE = "/mailsec/suppressions";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final SuppressionList suppressions;
    private final java.time.Clock clock;
    private final JsonTransformer json = new JsonTransformer();

    @Inject
    public SuppressionRoutes(SuppressionList suppressions, java.time.Clock clock) {
        this.suppressions = suppressions;
        this.clock = clock;
    }

    @Override
    public String getBasePath() {
        return BASE;
    }

    @Override
    public void define(Service service) {
        service.get(BASE + "/:kind", (request, response) -> {
            response.type("application/json");
            return suppressions.list(kind(request)).stream().map(SuppressionRoutes::view).toList();
        }, json);

        service.put(BASE + "/:kind/:address", (request, response) -> {
            Suppression.Kind kind = kind(request);
            JsonNode body = body(request);
            Instant until = Optional.ofNullable(body.get("until")).map(JsonNode::asText).map(SuppressionRoutes::instant)
                .orElseThrow(() -> badRequest("'until' (an ISO-8601 instant, e.g. 2026-12-31T00:00:00Z) is required"));
            String comment = Optional.ofNullable(body.get("comment")).map(JsonNode::asText).orElse("");
            Suppression entry = suppressions.suppress(kind, address(request), until, comment, clock.instant());
            response.type("application/json");
            return view(entry);
        }, json);

        service.delete(BASE + "/:kind/:address", (request, response) -> {
            Suppression.Kind kind = kind(request);
            String address = address(request);
            Optional<Suppression> entry = suppressions.list(kind).stream()
                .filter(s -> s.address().equalsIgnoreCase(address)).findFirst();
            if (entry.isEmpty() || !suppressions.remove(entry.get().id())) {
                throw ErrorResponder.builder().statusCode(404).type(ErrorResponder.ErrorType.NOT_FOUND)
                    .message(address + " is not suppressed").haltError();
            }
            response.status(204);
            return "";
        });
    }

    private static Suppression.Kind kind(Request request) {
        return switch (request.params("kind").toLowerCase(Locale.ROOT)) {
            case "tls" -> Suppression.Kind.TLS;
            case "dmarc" -> Suppression.Kind.DMARC;
            default -> throw badRequest("kind must be tls or dmarc");
        };
    }

    private static String address(Request request) {
        String address = request.params("address");
        if (!address.contains("@")) {
            throw badRequest("'" + address + "' is not a mail address");
        }
        return address;
    }

    private static JsonNode body(Request request) {
        try {
            return MAPPER.readTree(request.body() == null || request.body().isBlank() ? "{}" : request.body());
        } catch (Exception e) {
            throw badRequest("the body is not JSON: " + e.getMessage());
        }
    }

    private static Instant instant(String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw badRequest("'" + value + "' is not an ISO-8601 instant");
        }
    }

    private static spark.HaltException badRequest(String message) {
        return ErrorResponder.builder().statusCode(400).type(ErrorResponder.ErrorType.INVALID_ARGUMENT).message(message)
            .haltError();
    }

    static Map<String, Object> view(Suppression s) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", s.id());
        view.put("kind", s.kind().name().toLowerCase(Locale.ROOT));
        view.put("address", s.address());
        view.put("since", s.inserted().toString());
        view.put("until", s.until().toString());
        view.put("comment", s.comment());
        return view;
    }
}
