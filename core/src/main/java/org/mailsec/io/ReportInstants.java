package org.mailsec.io;

import java.time.Instant;

/**
 * The instants mailsec accepts from outside (report date ranges, webadmin parameters): 1970 to 2200. Beyond
 * that a value is a mistake or an attack, and would overflow arithmetic on days and periods later
 * ({@code Instant.ofEpochSecond(Long.MAX_VALUE)} throws, {@code 1e30} seconds is past the end of time).
 */
public final class ReportInstants {

    public static final Instant EARLIEST = Instant.EPOCH;
    public static final Instant LATEST = Instant.parse("2200-01-01T00:00:00Z");

    private ReportInstants() {
    }

    public static boolean inRange(Instant instant) {
        return !instant.isBefore(EARLIEST) && instant.isBefore(LATEST);
    }

    /** The instant {@code seconds} after 1970, or null when outside the accepted range. */
    public static Instant ofEpochSecond(long seconds) {
        if (seconds < EARLIEST.getEpochSecond() || seconds >= LATEST.getEpochSecond()) {
            return null;
        }
        return Instant.ofEpochSecond(seconds);
    }

    /** {@code instant}, or a refusal naming {@code what} when it is outside 1970–2200. */
    public static Instant require(Instant instant, String what) throws RejectedInputException {
        if (!inRange(instant)) {
            throw new RejectedInputException(what + " " + instant + " is outside 1970-2200");
        }
        return instant;
    }
}
