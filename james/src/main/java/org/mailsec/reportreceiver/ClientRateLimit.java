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

    /**
     * Whose bucket a post takes from: the IPv4 address, or the /64 of an IPv6 address — one subscriber or host
     * holds a whole /64, and would otherwise get a fresh bucket per address.
     */
    static String key(java.net.InetAddress address) {
        if (address instanceof java.net.Inet6Address) {
            byte[] prefix = java.util.Arrays.copyOf(address.getAddress(), 16);
            java.util.Arrays.fill(prefix, 8, 16, (byte) 0);
            try {
                return java.net.InetAddress.getByAddress(prefix).getHostAddress() + "/64";
            } catch (java.net.UnknownHostException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        return address.getHostAddress();
    }

    /** Takes one token for {@code client} (see {@link #key}); false when its bucket is empty. */
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
