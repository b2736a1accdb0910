package org.mailsec.store.dmarc;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.mailsec.store.BackgroundWriter;
import org.mailsec.store.Jdbc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits between the mail path and the store of {@link Evaluations}: {@link #addAll} queues one mail's evaluations and
 * returns; a background thread writes everything queued in one transaction at least every {@code flushInterval} and on
 * {@link #close} (one commit for many mails instead of one each on the spooler's threads). Every read writes what is
 * queued first, so a report run or a listing on this node sees each evaluation it accepted; the report job runs 30 s
 * or more after a period ends, so other nodes have written theirs by then. A failed write keeps the evaluations for the
 * next (logged, counted, never dropped), except a mail's evaluations the store refuses for their content: those are set
 * aside alone with a log line. More than {@code maxPending} evaluations queued make adders wait (back-pressure).
 */
public final class CoalescingEvaluations implements Evaluations, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CoalescingEvaluations.class);

    /** Write outcomes, for metrics. */
    public interface Listener {
        default void flushed(int evaluations, long nanos) {
        }

        default void flushFailed(int evaluations, RuntimeException error) {
        }

        default void backPressure() {
        }

        /** A mail's evaluations the store refuses for their own content, set aside so that the others are stored. */
        default void setAside(List<Evaluation> evaluations, RuntimeException error) {
        }
    }

    private final Evaluations store;
    private final int maxPending;
    private final Listener listener;
    private final BackgroundWriter flusher;
    private final ReentrantLock queueLock = new ReentrantLock();
    private final Condition drained = queueLock.newCondition();
    /** Queued mails' evaluations, oldest first, and how many evaluations they hold; guarded by queueLock. */
    private List<List<Evaluation>> queued = new ArrayList<>();
    private int queuedCount;
    /** One writer at a time, so that what a failed write hands back stays ahead of what was queued since. */
    private final ReentrantLock flushLock = new ReentrantLock();

    public CoalescingEvaluations(Evaluations store, Duration flushInterval, int maxPending, Listener listener) {
        this.store = store;
        this.maxPending = maxPending;
        this.listener = listener;
        this.flusher = new BackgroundWriter("DMARC evaluation writer", "DMARC evaluations", "mailsec-dmarc-evaluation-flusher",
            flushInterval, this::flush);
    }

    /** Queues a mail's evaluations (all of them are stored together, or set aside together); returns at once. */
    @Override
    public void addAll(List<Evaluation> evaluations) {
        if (evaluations.isEmpty()) {
            return;
        }
        flusher.checkOpen();
        List<Evaluation> mail = List.copyOf(evaluations);
        queueLock.lock();
        try {
            while (queuedCount >= maxPending) {
                listener.backPressure();
                flusher.writeSoon();
                if (!drained.await(100, TimeUnit.MILLISECONDS) && flusher.closed()) {
                    throw new IllegalStateException("the DMARC evaluation writer is closed");
                }
            }
            queued.add(mail);
            queuedCount += mail.size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for DMARC evaluations to be stored", e);
        } finally {
            queueLock.unlock();
        }
    }

    /** Stores one evaluation at once (with its id), after what is queued. */
    @Override
    public Evaluation add(Evaluation evaluation) {
        flush();
        return store.add(evaluation);
    }

    /** Writes everything queued so far; throws if the store fails (the evaluations stay queued for the next write). */
    public void flush() {
        flushLock.lock();
        try {
            List<List<Evaluation>> batch = take();
            if (batch.isEmpty()) {
                return;
            }
            List<Evaluation> rows = batch.stream().flatMap(List::stream).toList();
            long start = System.nanoTime();
            try {
                store.addAll(rows);
            } catch (RuntimeException e) {
                if (!Jdbc.refusedForContent(e) || !storeOneByOne(batch)) {
                    handBack(batch);
                    flusher.failed(e);
                    listener.flushFailed(rows.size(), e);
                    throw e;
                }
            } catch (Error e) {
                handBack(batch);
                throw e;
            }
            flusher.succeeded();
            listener.flushed(rows.size(), System.nanoTime() - start);
        } finally {
            flushLock.unlock();
        }
    }

    private List<List<Evaluation>> take() {
        queueLock.lock();
        try {
            List<List<Evaluation>> batch = queued;
            queued = new ArrayList<>();
            queuedCount = 0;
            drained.signalAll();
            return batch;
        } finally {
            queueLock.unlock();
        }
    }

    /** A failed write's evaluations go back ahead of those queued since. */
    private void handBack(List<List<Evaluation>> batch) {
        queueLock.lock();
        try {
            batch.addAll(queued);
            queued = batch;
            queuedCount = batch.stream().mapToInt(List::size).sum();
        } finally {
            queueLock.unlock();
        }
    }

    /**
     * After a batch refused for its content: each mail's evaluations alone. Those refused again for their content are
     * set aside; any other failure (the store went away) hands the mails not yet stored back. False when nothing could
     * be stored (the caller hands back the whole batch).
     */
    private boolean storeOneByOne(List<List<Evaluation>> batch) {
        for (int i = 0; i < batch.size(); i++) {
            List<Evaluation> mail = batch.get(i);
            try {
                store.addAll(mail);
            } catch (RuntimeException error) {
                if (!Jdbc.refusedForContent(error)) {
                    if (i == 0) {
                        return false;
                    }
                    handBack(new ArrayList<>(batch.subList(i, batch.size())));
                    return true;
                }
                listener.setAside(mail, error);
                LOG.error("DMARC evaluations of a mail from {} for {} refused by the store and set aside: {}",
                    mail.get(0).sourceIp(), mail.get(0).policyDomain(), error.getMessage());
            }
        }
        return true;
    }

    /** Evaluations queued and not yet stored (including those of failed writes). */
    public int pending() {
        queueLock.lock();
        try {
            return queuedCount;
        } finally {
            queueLock.unlock();
        }
    }

    /**
     * Why the writer is not healthy: writes have failed for longer than {@code grace} (evaluations wait in memory), or
     * it is closed. Empty when it stores what it is given.
     */
    public Optional<String> problem(Duration grace) {
        return flusher.problem(grace, pending() + " waiting");
    }

    @Override
    public List<String> policyDomains() {
        flush();
        return store.policyDomains();
    }

    @Override
    public List<Pending> pending(Instant until) {
        flush();
        return store.pending(until);
    }

    @Override
    public List<Evaluation> forDomain(String policyDomain, Instant until) {
        flush();
        return store.forDomain(policyDomain, until);
    }

    @Override
    public int deleteForDomain(String policyDomain, Instant until) {
        flush();
        return store.deleteForDomain(policyDomain, until);
    }

    /** Asked by the SMTP hook for each reject: answered from what is queued or stored, without writing the queue. */
    @Override
    public boolean anyAccepted(String policyDomain) {
        queueLock.lock();
        try {
            if (queued.stream().flatMap(List::stream)
                    .anyMatch(e -> e.policyDomain().equals(policyDomain) && !e.disposition().equals("reject"))) {
                return true;
            }
        } finally {
            queueLock.unlock();
        }
        return store.anyAccepted(policyDomain);
    }

    @Override
    public List<Count> counts() {
        flush();
        return store.counts();
    }

    @Override
    public int deleteBefore(Instant cutoff) {
        flush();
        return store.deleteBefore(cutoff);
    }

    /** Stops the background writer and writes what is left; throws if that last write fails. */
    @Override
    public void close() {
        flusher.stop();
        flush();
    }
}
