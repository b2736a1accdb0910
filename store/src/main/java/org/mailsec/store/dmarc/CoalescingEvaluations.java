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
    /** Queued mails' evaluations, oldest first, and how many evaluations wait (queued or in flight); guarded by queueLock. */
    private List<List<Evaluation>> queued = new ArrayList<>();
    /** The mails of the write in flight; guarded by queueLock. */
    private List<List<Evaluation>> inFlight = List.of();
    private int queuedCount;
    /** One writer at a time, so that what a failed write hands back stays ahead of what was queued since. */
    private final ReentrantLock flushLock = new ReentrantLock();

    public CoalescingEvaluations(Evaluations store, Duration flushInterval, int maxPending, Listener listener) {
        this.store = store;
        this.maxPending = maxPending;
        this.listener = listener;
        this.flusher = new BackgroundWriter("DMARC evaluation writer", "DMARC evaluations", "mailsec-dmarc-evaluation-flusher",
            flushInterval, this::flush, LOG);
    }

    /** Queues a mail's evaluations (all of them are stored together, or set aside together); returns at once. */
    @Override
    public void addAll(List<Evaluation> evaluations) {
        if (evaluations.isEmpty()) {
            return;
        }
        List<Evaluation> mail = List.copyOf(evaluations);
        queueLock.lock();
        try {
            // Checked under the lock the last write takes: nothing is queued after it.
            flusher.checkOpen();
            while (queuedCount >= maxPending) {
                listener.backPressure();
                flusher.writeSoon();
                drained.await(100, TimeUnit.MILLISECONDS);
                flusher.checkOpen();
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

    /**
     * Writes everything queued so far; throws if the store fails (what is not stored stays queued, in order, ahead of
     * what came since). A batch refused for its content is written one mail at a time and the mails refused again are
     * set aside; an outage on the way keeps the mails not yet stored, and throws.
     */
    public void flush() {
        flushLock.lock();
        try {
            List<List<Evaluation>> batch = take();
            if (batch.isEmpty()) {
                return;
            }
            // What is still to be stored, whatever happens (an Error included): finish() hands it back.
            List<List<Evaluation>> left = batch;
            int rows = count(batch);
            long start = System.nanoTime();
            try {
                try {
                    store.addAll(batch.stream().flatMap(List::stream).toList());
                    left = List.of();
                } catch (RuntimeException e) {
                    if (!Jdbc.refusedForContent(e)) {
                        throw failed(e, rows);
                    }
                    for (int i = 0; i < batch.size(); i++) {
                        List<Evaluation> mail = batch.get(i);
                        try {
                            store.addAll(mail);
                        } catch (RuntimeException error) {
                            if (!Jdbc.refusedForContent(error)) {
                                throw failed(error, count(left));
                            }
                            listener.setAside(mail, error);
                            LOG.error("DMARC evaluations of a mail from {} for {} refused by the store and set aside: {}",
                                mail.get(0).sourceIp(), mail.get(0).policyDomain(), error.getMessage());
                        }
                        left = batch.subList(i + 1, batch.size());
                    }
                }
                flusher.succeeded();
                listener.flushed(rows, System.nanoTime() - start);
            } finally {
                finish(batch, left);
            }
        } finally {
            flushLock.unlock();
        }
    }

    private RuntimeException failed(RuntimeException e, int rows) {
        flusher.failed(e);
        listener.flushFailed(rows, e);
        return e;
    }

    private static int count(List<List<Evaluation>> mails) {
        return mails.stream().mapToInt(List::size).sum();
    }

    /** The queue becomes the write in flight; it still counts as queued (back-pressure) and is seen by anyAccepted. */
    private List<List<Evaluation>> take() {
        queueLock.lock();
        try {
            inFlight = queued;
            queued = new ArrayList<>();
            return inFlight;
        } finally {
            queueLock.unlock();
        }
    }

    /** The write is over: what it stored (or set aside) leaves the count; what it did not goes back ahead of the rest. */
    private void finish(List<List<Evaluation>> batch, List<List<Evaluation>> left) {
        queueLock.lock();
        try {
            List<List<Evaluation>> back = new ArrayList<>(left);
            back.addAll(queued);
            queued = back;
            inFlight = List.of();
            int done = count(batch) - count(left);
            queuedCount -= done;
            if (done > 0) {
                drained.signalAll();
            }
        } finally {
            queueLock.unlock();
        }
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
        return flusher.problem(grace, () -> pending() + " waiting");
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
            // What is queued or being written, as the store's "disposition <> 'reject'" would see it (NULL is not).
            if (java.util.stream.Stream.concat(queued.stream(), inFlight.stream()).flatMap(List::stream)
                    .anyMatch(e -> e.policyDomain().equals(policyDomain) && e.disposition() != null
                        && !e.disposition().equals("reject"))) {
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
        flusher.close(flushLock, this::flush);
    }
}
