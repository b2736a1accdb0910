package org.mailsec.store.tls;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.mailsec.store.BackgroundWriter;
import org.mailsec.store.Jdbc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits between delivery threads and the {@link TlsResultStore}: {@link #record} adds to an in-memory
 * counter and returns, a background thread flushes the counters in one transaction at least every
 * {@code flushInterval} and on {@link #close}. A failed flush keeps the counters and is retried (logged
 * and counted, never dropped), except a counter the store refuses for its content (a data or integrity error
 * of that key alone): it is set aside with a log line and a metric, and the others are stored. When more than {@code maxPendingKeys} distinct keys wait, recording
 * threads wait for a flush: back-pressure instead of unbounded memory or loss.
 */
public final class CoalescingRecorder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CoalescingRecorder.class);

    /** Flush outcomes, for metrics. */
    public interface Listener {
        default void flushed(int keys, long sessions, long nanos) {
        }

        default void flushFailed(int keys, RuntimeException error) {
        }

        default void backPressure() {
        }

        /** A counter the store refuses for its own content, set aside so that the others are stored. */
        default void quarantined(TlsResultKey key, RuntimeException error) {
        }
    }

    private final TlsResultStore store;
    private final int maxPendingKeys;
    private final Listener listener;
    private final BackgroundWriter flusher;
    // Recorders share the read lock to add; the flusher takes the write lock only to swap the map.
    private final ReentrantReadWriteLock swapLock = new ReentrantReadWriteLock();
    private final ReentrantLock flushLock = new ReentrantLock();
    private final Condition flushedCondition = flushLock.newCondition();
    private volatile ConcurrentHashMap<TlsResultKey, LongAdder> pending = new ConcurrentHashMap<>();
    // Counters a failed flush handed back; merged into the next flush.
    private Map<TlsResultKey, Long> retry = new HashMap<>();

    public CoalescingRecorder(TlsResultStore store, Duration flushInterval, int maxPendingKeys, Listener listener) {
        this.store = store;
        this.maxPendingKeys = maxPendingKeys;
        this.listener = listener;
        this.flusher = new BackgroundWriter("TLS result recorder", "TLS results", "mailsec-tls-result-flusher", flushInterval,
            this::flush, LOG);
    }

    public CoalescingRecorder(TlsResultStore store) {
        this(store, Duration.ofSeconds(1), 100_000, new Listener() { });
    }

    /** Counts {@code sessions} outcomes under {@code key}; returns without touching the database. */
    public void record(TlsResultKey key, long sessions) {
        flusher.checkOpen();
        while (pending.size() >= maxPendingKeys && !pending.containsKey(key)) {
            waitForFlush();
            flusher.checkOpen();
        }
        swapLock.readLock().lock();
        try {
            // Checked under the lock the last flush's swap takes: nothing is counted after it.
            flusher.checkOpen();
            pending.computeIfAbsent(key, k -> new LongAdder()).add(sessions);
        } finally {
            swapLock.readLock().unlock();
        }
    }

    private void waitForFlush() {
        listener.backPressure();
        flusher.writeSoon();
        flushLock.lock();
        try {
            flushedCondition.await(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for TLS results to be stored", e);
        } finally {
            flushLock.unlock();
        }
    }

    /** Writes everything recorded so far; throws if the store refuses (the counters are kept for a retry). */
    public void flush() {
        flushLock.lock();
        try {
            ConcurrentHashMap<TlsResultKey, LongAdder> batch;
            swapLock.writeLock().lock();
            try {
                batch = pending;
                pending = new ConcurrentHashMap<>();
            } finally {
                swapLock.writeLock().unlock();
            }
            Map<TlsResultKey, Long> increments = retry;
            retry = new HashMap<>();
            batch.forEach((k, v) -> increments.merge(k, v.sum(), Long::sum));
            if (increments.isEmpty()) {
                return;
            }
            long start = System.nanoTime();
            try {
                store.add(increments);
            } catch (RuntimeException e) {
                if (!Jdbc.refusedForContent(e) || !storeOneByOne(increments)) {
                    flusher.failed(e);
                    retry = increments;
                    listener.flushFailed(increments.size(), e);
                    throw e;
                }
            } catch (Error e) {
                retry = increments;
                throw e;
            }
            flusher.succeeded();
            listener.flushed(increments.size(), increments.values().stream().mapToLong(Long::longValue).sum(),
                System.nanoTime() - start);
            flushedCondition.signalAll();
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * After a batch refused for its content: each counter alone. Those refused again for their content are set
     * aside; any other failure (the store went away) hands every counter not yet stored back for a retry.
     * Returns false when nothing could be stored (the caller keeps the whole batch).
     */
    private boolean storeOneByOne(Map<TlsResultKey, Long> increments) {
        Map<TlsResultKey, Long> left = new HashMap<>(increments);
        int stored = 0;
        for (Map.Entry<TlsResultKey, Long> e : increments.entrySet()) {
            try {
                store.add(Map.of(e.getKey(), e.getValue()));
                stored++;
            } catch (RuntimeException error) {
                if (!Jdbc.refusedForContent(error)) {
                    retry = left;
                    return stored > 0;
                }
                listener.quarantined(e.getKey(), error);
                LOG.error("TLS result counter of {} ({} sessions, key {}) refused by the store and set aside: {}",
                    e.getKey().policyDomain(), e.getValue(), e.getKey().keyHash(), error.getMessage());
            }
            left.remove(e.getKey());
        }
        return true;
    }

    /**
     * Why the recorder is not healthy: flushes have failed for longer than {@code grace} (counters wait in memory),
     * or it is closed. Empty when it stores what it is given.
     */
    public java.util.Optional<String> problem(Duration grace) {
        return flusher.problem(grace, () -> pendingKeys() + " counters waiting");
    }

    /** Counters waiting to be written (recorded and not yet flushed, including failed flushes). */
    public int pendingKeys() {
        flushLock.lock();
        try {
            return pending.size() + retry.size();
        } finally {
            flushLock.unlock();
        }
    }

    /** Stops the flusher and writes what is left; throws if the last flush fails. */
    @Override
    public void close() {
        flusher.close(flushLock, this::flush);
    }
}
