package org.mailsec.store;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The thread that writes a coalescing buffer to the store (TLS results, DMARC evaluations) at a fixed interval and
 * when asked, and the health of those writes: since when they fail and why. A write that throws is logged and
 * retried at the next interval, never lets the schedule die (an Error escaping a scheduled task would cancel every
 * later write without a word).
 */
public final class BackgroundWriter {

    private final Logger log;
    private final String name;
    private final String what;
    private final Runnable write;
    private final ScheduledExecutorService thread;
    private volatile boolean closed;
    /** When writes started failing (nanoTime), and why; 0 while they succeed. */
    private volatile long failingSince;
    private volatile String lastError = "";

    /**
     * @param name  the writer in messages ("TLS result recorder"); its thread is {@code threadName}
     * @param what  what it writes ("TLS results")
     * @param write one write of everything buffered; throws when it failed (the buffer keeps what it held)
     * @param log   the owner's logger, which failed writes are logged to
     */
    public BackgroundWriter(String name, String what, String threadName, Duration interval, Runnable write, Logger log) {
        this.log = log;
        this.name = name;
        this.what = what;
        this.write = write;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        long millis = interval.toMillis();
        thread.scheduleWithFixedDelay(this::writeQuietly, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** A write now, on the writer's thread (a full buffer asks for one). */
    public void writeSoon() {
        if (!closed) {
            thread.execute(this::writeQuietly);
        }
    }

    /** A write failed: the health check counts from the first failure in a row. */
    public void failed(RuntimeException e) {
        if (failingSince == 0) {
            failingSince = System.nanoTime();
        }
        lastError = String.valueOf(e.getMessage());
    }

    public void succeeded() {
        failingSince = 0;
    }

    public boolean closed() {
        return closed;
    }

    /** Refuses more work once closed. */
    public void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the " + name + " is closed");
        }
    }

    /**
     * Why the writer is not healthy: writes have failed for longer than {@code grace} (what they hold waits in memory),
     * or it is closed; {@code waiting} says how much waits (asked only then: it may wait for a write). Empty when it
     * stores what it is given.
     */
    public Optional<String> problem(Duration grace, Supplier<String> waiting) {
        if (closed) {
            return Optional.of("the " + name + " is closed");
        }
        long since = failingSince;
        if (since != 0 && System.nanoTime() - since > grace.toNanos()) {
            return Optional.of(what + " not stored for " + Duration.ofNanos(System.nanoTime() - since).toSeconds()
                + " s (" + waiting.get() + "): " + lastError);
        }
        return Optional.empty();
    }

    /**
     * Stops the thread, after the write it is doing (30 s at most), then makes the last write on the caller's thread
     * under the owner's write lock — not behind a write that hangs (30 s at most): shutdown goes on, and the exception
     * says what could not be stored. An interrupt is kept for after that write, which an interrupted thread could not
     * make (a connection pool gives none to it).
     */
    public void close(ReentrantLock writeLock, Runnable lastWrite) {
        closed = true;
        thread.shutdown();
        boolean interrupted = false;
        try {
            thread.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        try {
            if (!writeLock.tryLock(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("a write of " + what + " still runs after 30 s");
            }
            try {
                lastWrite.run();
            } finally {
                writeLock.unlock();
            }
        } catch (InterruptedException e) {
            interrupted = true;
            throw new IllegalStateException("interrupted while storing the last " + what, e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void writeQuietly() {
        try {
            write.run();
        } catch (RuntimeException e) {
            log.warn("storing {} failed, keeping them for the next attempt: {}", what, e.getMessage());
        } catch (Throwable t) {
            log.error("storing {} failed unexpectedly, keeping them for the next attempt", what, t);
        }
    }
}
