package org.mailsec.reportreceiver;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.james.metrics.api.Metric;
import org.apache.james.metrics.api.MetricFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.thread.Scheduler;
import org.mailsec.metrics.MailsecMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards the receiver's connections before any TLS or HTTP work is done for them: a client address (an IPv6
 * /64) may hold {@code perClient} connections at once and open twice its post rate a minute, others are closed
 * as they are accepted; a connection that has not sent its request headers within {@code headerTimeout} of being
 * accepted (the TLS handshake included) is closed, and so is one whose post is not over six times as late.
 * A slow client therefore costs a socket for seconds, never a worker, and cannot crowd out the others.
 */
final class ConnectionGuard implements Connection.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    private final Duration headerTimeout;
    private final int perClient;
    private final ClientRateLimit acceptRate;
    private final Scheduler scheduler;
    private final Metric refused;
    private final Metric timedOut;
    private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
    /** Connections by remote socket address, until their request headers have arrived. */
    private final Map<InetSocketAddress, EndPoint> awaitingHeaders = new ConcurrentHashMap<>();

    ConnectionGuard(Duration headerTimeout, int perClient, int postsPerMinute, Scheduler scheduler, MetricFactory metrics,
                    Clock clock) {
        this.headerTimeout = headerTimeout;
        this.perClient = perClient;
        this.acceptRate = new ClientRateLimit(2 * postsPerMinute, clock);
        this.scheduler = scheduler;
        this.refused = metrics.generate(MailsecMetrics.TLS_REPORTS_HTTPS_CONNECTIONS_REFUSED);
        this.timedOut = metrics.generate(MailsecMetrics.TLS_REPORTS_HTTPS_CONNECTIONS_TIMED_OUT);
    }

    @Override
    public void onOpened(Connection connection) {
        EndPoint endPoint = connection.getEndPoint();
        // Under TLS the decrypted connection is opened too, over the same socket: count the socket once.
        if (!(endPoint instanceof SocketChannelEndPoint) || endPoint.getRemoteAddress() == null) {
            return;
        }
        InetSocketAddress remote = endPoint.getRemoteAddress();
        String client = ClientRateLimit.key(remote.getAddress());
        int held = open.computeIfAbsent(client, c -> new AtomicInteger()).incrementAndGet();
        if (held > perClient || !acceptRate.tryAcquire(client)) {
            refused.increment();
            LOG.debug("connection from {} closed at accept ({} open)", remote, held);
            endPoint.close();
            return;
        }
        awaitingHeaders.put(remote, endPoint);
        scheduler.schedule(() -> {
            if (awaitingHeaders.remove(remote, endPoint)) {
                close(endPoint, "no request headers within " + headerTimeout.toSeconds() + "s");
            }
        }, headerTimeout.toMillis(), TimeUnit.MILLISECONDS);
        scheduler.schedule(() -> close(endPoint, "post not over within " + headerTimeout.multipliedBy(6).toSeconds() + "s"),
            headerTimeout.multipliedBy(6).toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onClosed(Connection connection) {
        EndPoint endPoint = connection.getEndPoint();
        if (!(endPoint instanceof SocketChannelEndPoint) || endPoint.getRemoteAddress() == null) {
            return;
        }
        InetSocketAddress remote = endPoint.getRemoteAddress();
        awaitingHeaders.remove(remote, endPoint);
        open.computeIfPresent(ClientRateLimit.key(remote.getAddress()), (c, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /** The request of the connection from {@code remote} has its headers: the header deadline no longer applies. */
    void headersReceived(InetSocketAddress remote) {
        awaitingHeaders.remove(remote);
    }

    /** How many connections are open now (for tests and health). */
    int openConnections() {
        return open.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    private void close(EndPoint endPoint, String why) {
        if (endPoint.isOpen()) {
            timedOut.increment();
            LOG.debug("connection from {} closed: {}", endPoint.getRemoteAddress(), why);
            endPoint.close();
        }
    }
}
