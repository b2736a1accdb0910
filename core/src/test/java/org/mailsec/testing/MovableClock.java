package org.mailsec.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A UTC clock a test moves forward by hand: stopped at a given instant, or {@link #ticking()} with the real time
 * plus an offset (a running James needs time to pass, e.g. past midnight UTC so that a day's reports may be sent).
 */
public final class MovableClock extends Clock {

    private final Supplier<Instant> base;
    private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

    public MovableClock(Instant start) {
        this.base = () -> start;
    }

    private MovableClock(Supplier<Instant> base) {
        this.base = base;
    }

    /** The real time, plus whatever {@link #advance} adds. */
    public static MovableClock ticking() {
        return new MovableClock(Instant::now);
    }

    public void advance(Duration d) {
        offset.updateAndGet(o -> o.plus(d));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return base.get().plus(offset.get());
    }
}
