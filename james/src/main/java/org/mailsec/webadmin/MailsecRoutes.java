package org.mailsec.webadmin;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.eclipse.jetty.http.BadMessageException;
import org.mailsec.io.ReportInstants;
import org.mailsec.store.Page;
import spark.HaltException;
import spark.Request;
import spark.Service;

/**
 * Shared parameter parsing of mailsec's routes: every malformed parameter is a 400 with James's JSON error. Query
 * parameters are decoded here, strictly, because James 3.8.1 answers 500 to invalid percent-encoding.
 */
final class MailsecRoutes {

    private MailsecRoutes() {
    }

    /**
     * James's request-logging filter reads the query parameters before any route runs, and Jetty throws on invalid
     * percent-encoding there: Spark would answer 500. Malformed requests get James's JSON 400 instead (for every
     * webadmin route: the mapping is server-wide, and a malformed URI is the client's error everywhere).
     */
    static void answerMalformedRequestsWith400(Service service) {
        service.exception(BadMessageException.class, (error, request, response) -> {
            response.status(400);
            response.type("application/json");
            response.body(ErrorResponder.builder().statusCode(400).type(ErrorResponder.ErrorType.INVALID_ARGUMENT)
                .message("malformed request: " + error.getReason()).asString());
        });
    }

    static HaltException badRequest(String message) {
        return ErrorResponder.builder().statusCode(400).type(ErrorResponder.ErrorType.INVALID_ARGUMENT)
            .message(message).haltError();
    }

    static boolean bool(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw badRequest("'" + value + "' is not true or false");
        };
    }

    /** The query parameter {@code name}, trimmed, empty when absent or blank. */
    static Optional<String> query(Request request, String name) {
        String raw = request.queryString();
        if (raw == null || raw.isEmpty()) {
            return Optional.empty();
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (key.equals(name)) {
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1)).trim();
                return value.isEmpty() ? Optional.empty() : Optional.of(value);
            }
        }
        return Optional.empty();
    }

    /** application/x-www-form-urlencoded decoding that refuses bad escapes and invalid UTF-8 instead of guessing. */
    private static String decode(String s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                bytes.write(' ');
            } else if (c == '%') {
                int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = hi >= 0 ? Character.digit(s.charAt(i + 2), 16) : -1;
                if (lo < 0) {
                    throw badRequest("invalid percent-encoding in the query string");
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw badRequest("the query string is not valid UTF-8");
        }
    }

    /** A domain query parameter ({@code domain}, {@code policyDomain}...), compared the way mailsec compares names. */
    static Optional<String> domain(Request request, String name) {
        return query(request, name).map(org.mailsec.dns.DomainNames::normalise);
    }

    /** A domain path parameter ({@code :domain}, {@code :policyDomain}). */
    static String domainParam(Request request, String name) {
        return org.mailsec.dns.DomainNames.normalise(request.params(name));
    }

    /**
     * The period a listing covers: query parameters {@code start} and {@code end} (ISO-8601 instants), by default the
     * last 30 days and the day to come (so that reports with a clock ahead of ours still show).
     */
    record Period(Instant start, Instant end) {
    }

    static Period period(Request request, Clock clock) {
        Instant now = clock.instant();
        return new Period(instant(request, "start").orElse(now.minus(Duration.ofDays(30))),
            instant(request, "end").orElse(now.plus(Duration.ofDays(1))));
    }

    /** The query parameter {@code name} as an ISO-8601 instant between 1970 and 2200. */
    static Optional<Instant> instant(Request request, String name) {
        return query(request, name).map(value -> instant(value, name));
    }

    /** The query parameter {@code name} as a UTC day (YYYY-MM-DD). */
    static Optional<LocalDate> day(Request request, String name) {
        return query(request, name).map(MailsecRoutes::day);
    }

    /** The current UTC day. */
    static LocalDate today(Clock clock) {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /** An ISO-8601 instant between 1970 and 2200; {@code name} is the parameter's, for the error message. */
    static Instant instant(String value, String name) {
        Instant instant;
        try {
            instant = Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw badRequest("'" + shorten(value) + "' is not an ISO-8601 instant (" + name + ")");
        }
        if (!ReportInstants.inRange(instant)) {
            throw badRequest(name + " " + instant + " is outside 1970-2200");
        }
        return instant;
    }

    /** A UTC day, YYYY-MM-DD, between 1970 and 2200. */
    static LocalDate day(String value) {
        LocalDate day;
        try {
            day = LocalDate.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw badRequest("'" + shorten(value) + "' is not a day (YYYY-MM-DD, UTC)");
        }
        if (!ReportInstants.inRange(day.atStartOfDay(ZoneOffset.UTC).toInstant())) {
            throw badRequest("day " + day + " is outside 1970-2200");
        }
        return day;
    }

    /**
     * The page a listing asks for: {@code limit} (1 to 10,000, default 1,000) rows after {@code offset} (default 0).
     * Every list route has one, so that nothing outsiders sent can make a response unbounded.
     */
    static Page page(Request request) {
        int limit = query(request, "limit").map(v -> number(v, "limit", 1, Page.MAX_LIMIT)).orElse(Page.DEFAULT_LIMIT);
        int offset = query(request, "offset").map(v -> number(v, "offset", 0, Integer.MAX_VALUE)).orElse(0);
        return new Page(limit, offset);
    }

    private static int number(String value, String name, int min, int max) {
        try {
            long n = Long.parseLong(value.trim());
            if (n < min || n > max) {
                throw badRequest(name + " must be between " + min + " and " + max);
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw badRequest("'" + shorten(value) + "' is not a number (" + name + ")");
        }
    }

    /** Values echoed in error messages stay short. */
    static String shorten(String value) {
        return value.length() <= 64 ? value : value.substring(0, 64) + "…";
    }
}
