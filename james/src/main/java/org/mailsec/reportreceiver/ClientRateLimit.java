package org.mailsec.reportreceiver;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;

/**
 * A token bucket per client address: {@code perMinute} posts a minute, refilled continuously, with a burst of
 * as many. Buckets of addresses not seen for ten minutes are dropped, and at most 100,000 are kept, so a scan
 * from many addresses cannot grow the heap without bound.
 */
final class ClientRateLimit {

    private final double perNano;
    private final double burst;
    private final Clock clock;
    private final Cache<String, Bucket> buckets = CacheBuilder.newBuilder()
        .expireAfterAccess(Duration.ofMinutes(10)).maximumSize(100_000).build();

    ClientRateLimit(int perMinute, Clock clock) {
        this.perNano = perMinute / (double) Duration.ofMinutes(1).toNanos();
        this.burst = perMinute;
        this.clock = clock;
    }

    /** Takes one token for {@code client}; false when its bucket is empty. */
    boolean tryAcquire(String client) {
        Bucket bucket;
        try {
            bucket = buckets.get(client, Bucket::new);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
        return bucket.take(nanos());
    }

    private long nanos() {
        java.time.Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private final class Bucket {
        private double tokens = burst;
        private long last = Long.MIN_VALUE;

        synchronized boolean take(long now) {
            if (last != Long.MIN_VALUE) {
                tokens = Math.min(burst, tokens + Math.max(0, now - last) * perNano);
            }
            last = now;
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }
    }
}
