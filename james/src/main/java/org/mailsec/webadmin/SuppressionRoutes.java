package org.mailsec.webadmin;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import javax.inject.Inject;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.mailsec.io.BoundedJson;
import org.mailsec.io.RejectedInputException;
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
public class SuppressionRoutes extends JsonRoutes {

    public static final String BASE = "/mailsec/suppressions";
    /** RFC 5321 §4.5.3.1.3: a path holds at most 256 octets, so an address at most 254 characters. */
    private static final int MAX_ADDRESS = 254;
    /** The store's comment column. */
    private static final int MAX_COMMENT = 1024;
    private static final BoundedJson.Limits BODY_LIMITS = new BoundedJson.Limits(8, 4096, 32, 64);

    private final SuppressionList suppressions;
    private final java.time.Clock clock;

    @Inject
    public SuppressionRoutes(SuppressionList suppressions, java.time.Clock clock) {
        super(BASE);
        this.suppressions = suppressions;
        this.clock = clock;
    }

    @Override
    protected void routes(Service service) {
        get(service, BASE + "/:kind", request ->
            MailsecRoutes.page(request).of(suppressions.list(kind(request))).stream().map(Entry::of).toList());

        service.put(BASE + "/:kind/:address", (request, response) -> {
            Suppression.Kind kind = kind(request);
            JsonNode body = body(request);
            Instant until = Optional.ofNullable(body.get("until")).map(JsonNode::asText).map(SuppressionRoutes::instant)
                .orElseThrow(() -> badRequest("'until' (an ISO-8601 instant, e.g. 2026-12-31T00:00:00Z) is required"));
            String comment = Optional.ofNullable(body.get("comment")).map(JsonNode::asText).orElse("");
            if (comment.length() > MAX_COMMENT) {
                throw badRequest("'comment' is longer than " + MAX_COMMENT + " characters");
            }
            Suppression entry = suppressions.suppress(kind, address(request), until, comment, clock.instant());
            response.type("application/json");
            return Entry.of(entry);
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
        if (!address.contains("@") || address.length() > MAX_ADDRESS || address.indexOf('\0') >= 0) {
            throw badRequest("'" + MailsecRoutes.shorten(address) + "' is not a mail address");
        }
        return address;
    }

    private static JsonNode body(Request request) {
        try {
            return BoundedJson.read(request.body() == null || request.body().isBlank() ? "{}" : request.body(), BODY_LIMITS);
        } catch (RejectedInputException e) {
            throw badRequest("the body is not JSON: " + e.getMessage());
        }
    }

    private static Instant instant(String value) {
        return MailsecRoutes.instant(value, "until");
    }

    private static spark.HaltException badRequest(String message) {
        return MailsecRoutes.badRequest(message);
    }

    /** A suppressed address: since when, until when, and why ({@code automatic: …} when mailsec added it). */
    record Entry(long id, String kind, String address, String since, String until, String comment) {

        static Entry of(Suppression s) {
            return new Entry(s.id(), s.kind().name().toLowerCase(Locale.ROOT), s.address(), s.inserted().toString(),
                s.until().toString(), s.comment());
        }
    }
}
