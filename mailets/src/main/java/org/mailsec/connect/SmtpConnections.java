package org.mailsec.connect;

import com.sun.mail.smtp.SMTPTransport;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.mail.MessagingException;
import javax.mail.Session;
import org.mailsec.dane.TlsPolicy;
import org.mailsec.outcome.ReportPolicy;
import org.mailsec.plan.HostPlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Open SMTP connections kept between mails, so that several queued mails for the same MX host go over one
 * connection (Postfix's connection cache): a mail that finds an idle connection under the same {@link Key} sends
 * {@code RSET} and its transaction there instead of connecting, saying EHLO and negotiating TLS again.
 *
 * <p>The key holds the recipient domain as well as the host, address, port and TLS policy: a connection opened
 * under one domain's policy is never used for a domain whose policy differs, and every domain's TLS report counts
 * the sessions its own mail used (RFC 8460 counts sessions, one per connection, which is when delivery counts
 * them); a connection opened for one of mailsec's own reports (whose sessions reports leave out) never carries
 * other mail. A connection carries at most {@link Limits#mailsPerConnection()} mails, lives at most
 * {@link Limits#maxAge()}, and is closed ({@code QUIT}) once idle for {@link Limits#idleTimeout()}.
 */
public final class SmtpConnections implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpConnections.class);
    /** Idle connections kept over all keys; beyond, a finished connection is closed. */
    private static final int MAX_IDLE = 512;

    /**
     * What connections may be kept for.
     *
     * @param mailsPerConnection mails one connection carries at most; 1 turns reuse off
     * @param idleTimeout        how long an unused connection stays open (Postfix: 2 s)
     * @param maxAge             how long after its opening a connection is still taken (Postfix: 300 s)
     */
    public record Limits(int mailsPerConnection, Duration idleTimeout, Duration maxAge) {
        public static final Limits DEFAULT = new Limits(100, Duration.ofSeconds(5), Duration.ofMinutes(5));
        public static final Limits NO_REUSE = new Limits(1, Duration.ofSeconds(1), Duration.ofSeconds(1));

        public Limits {
            if (mailsPerConnection < 1) {
                throw new IllegalArgumentException("mails per connection must be at least 1, not " + mailsPerConnection);
            }
            if (idleTimeout.isNegative() || idleTimeout.isZero() || maxAge.isNegative() || maxAge.isZero()) {
                throw new IllegalArgumentException("connection idle timeout and age must be positive");
            }
        }

        boolean reuse() {
            return mailsPerConnection > 1;
        }
    }

    /** What must be equal for a connection to carry another mail. */
    record Key(String recipientDomain, String mx, String ip, int port, TlsPolicy policy,
               HostPlan.Enforcement enforcement, ReportPolicy report, boolean ownReport, boolean requireTls,
               String helo) {
    }

    /** One open connection, used by one delivery at a time. */
    static final class Connection {
        final Key key;
        final Session session;
        final SMTPTransport transport;
        final StartTlsSocketFactory factory;
        private final long openedNanos;
        private long idleSinceNanos;
        private boolean idled;
        private int mails;

        private Connection(Key key, Session session, SMTPTransport transport, StartTlsSocketFactory factory,
                           long openedNanos) {
            this.key = key;
            this.session = session;
            this.transport = transport;
            this.factory = factory;
            this.openedNanos = openedNanos;
        }

        /** Mails this connection carried so far (the current one included once {@link #sent()} was called). */
        int mails() {
            return mails;
        }

        void sent() {
            mails++;
        }
    }

    private final Limits limits;
    private final LongSupplier nanos;
    private final Consumer<Connection> closer;
    private final Map<Key, Deque<Connection>> idle = new HashMap<>();
    private final ScheduledExecutorService janitor;
    private int idleCount;
    private boolean closed;

    /** {@code closer} ends a connection ({@code QUIT}) and gives its session back; it must not throw. */
    SmtpConnections(Limits limits, Consumer<Connection> closer) {
        this(limits, closer, System::nanoTime);
    }

    SmtpConnections(Limits limits, Consumer<Connection> closer, LongSupplier nanos) {
        this.limits = limits;
        this.closer = closer;
        this.nanos = nanos;
        if (limits.reuse()) {
            janitor = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "mailsec-smtp-connections");
                t.setDaemon(true);
                return t;
            });
            long period = Math.max(100, Math.min(1000, limits.idleTimeout().toMillis() / 2));
            janitor.scheduleWithFixedDelay(this::closeExpired, period, period, TimeUnit.MILLISECONDS);
        } else {
            janitor = null;
        }
    }

    /**
     * An idle connection under {@code key} that answered {@code RSET}, if there is one. Expired ones, and ones the
     * server no longer answers, are closed on the way.
     */
    Optional<Connection> take(Key key) {
        if (!limits.reuse()) {
            return Optional.empty();
        }
        while (true) {
            Connection connection;
            synchronized (this) {
                Deque<Connection> waiting = idle.get(key);
                connection = waiting == null ? null : waiting.pollFirst();
                if (connection == null) {
                    return Optional.empty();
                }
                idleCount--;
                if (waiting.isEmpty()) {
                    idle.remove(key);
                }
            }
            if (expired(connection, nanos.getAsLong())) {
                closer.accept(connection);
                continue;
            }
            try {
                // RFC 5321 §4.1.1.5: a fresh transaction state, whatever the last one left.
                connection.transport.issueCommand("RSET", 250);
                return Optional.of(connection);
            } catch (MessagingException | RuntimeException e) {
                LOG.debug("connection to {} ({}) not reusable: {}", key.mx(), key.ip(), e.getMessage());
                closer.accept(connection);
            }
        }
    }

    /** A connection whose mail was delivered: kept for the next mail when it may carry more, else closed. */
    void give(Connection connection) {
        long now = nanos.getAsLong();
        // No liveness check here (javax.mail's isConnected() is a NOOP round trip): take() sends RSET anyway.
        boolean keep = limits.reuse() && connection.mails < limits.mailsPerConnection() && !expired(connection, now);
        if (keep) {
            synchronized (this) {
                if (!closed && idleCount < MAX_IDLE) {
                    connection.idleSinceNanos = now;
                    connection.idled = true;
                    idle.computeIfAbsent(connection.key, k -> new ArrayDeque<>()).addFirst(connection);
                    idleCount++;
                    return;
                }
            }
        }
        closer.accept(connection);
    }

    /** A connection just opened under {@code key}, timed by this cache's clock. */
    Connection opened(Key key, Session session, SMTPTransport transport, StartTlsSocketFactory factory) {
        return new Connection(key, session, transport, factory, nanos.getAsLong());
    }

    private boolean expired(Connection connection, long now) {
        return now - connection.openedNanos >= limits.maxAge().toNanos()
            || (connection.idled && now - connection.idleSinceNanos >= limits.idleTimeout().toNanos());
    }

    void closeExpired() {
        List<Connection> expired = new ArrayList<>();
        long now = nanos.getAsLong();
        synchronized (this) {
            for (Iterator<Deque<Connection>> keys = idle.values().iterator(); keys.hasNext(); ) {
                Deque<Connection> waiting = keys.next();
                for (Iterator<Connection> it = waiting.iterator(); it.hasNext(); ) {
                    Connection c = it.next();
                    if (expired(c, now)) {
                        it.remove();
                        idleCount--;
                        expired.add(c);
                    }
                }
                if (waiting.isEmpty()) {
                    keys.remove();
                }
            }
        }
        expired.forEach(closer);
    }

    /** Closes every idle connection; connections in use are closed when given back. */
    @Override
    public void close() {
        List<Connection> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            idle.values().forEach(all::addAll);
            idle.clear();
            idleCount = 0;
        }
        if (janitor != null) {
            janitor.shutdownNow();
        }
        all.forEach(closer);
    }
}
