package org.mailsec.reportreceiver;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Clock;
import java.util.Optional;
import javax.annotation.PreDestroy;
import javax.inject.Inject;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.utils.UserDefinedStartable;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.server.handler.HandlerList;
import org.mailsec.io.InputLimits;
import org.mailsec.policyhost.HostedPolicies;
import org.mailsec.policyhost.MtaStsPolicyHandler;
import org.mailsec.store.tlsreport.IncomingTlsReports;
import org.mailsec.store.rejected.RejectedReports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS endpoint for TLS reports posted to an {@code https:} rua (RFC 8460 §3 and §5.3), a
 * {@code guice.extension.startable} that does nothing unless {@code mailsec.reports.receiver.enabled=true}.
 * It runs apart from webadmin, which must not face the internet, on Jetty (the version James's webadmin
 * ships): TLS handshakes and request headers are read without holding a thread, so slow clients wait on their
 * own sockets. {@link ConnectionGuard} caps connections per client and closes the slow ones; at most 512
 * connections are open at once, and posts are handled by {@link TlsReportPosts} on at most 16 workers.
 */
@javax.inject.Singleton
public class HttpsReportReceiver implements UserDefinedStartable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpsReportReceiver.class);
    private static final int WORKERS = 16;
    private static final int MAX_CONNECTIONS = 512;
    private static final int BACKLOG = 128;

    private final ReceiverSettings settings;
    private final TlsReportPosts posts;
    private final HostedPolicies policies;
    private final DomainList domains;
    private final MetricFactory metrics;
    private final Clock clock;
    private Server server;
    private ServerConnector connector;
    private ConnectionGuard guard;

    @Inject
    public HttpsReportReceiver(ReceiverSettings settings, InputLimits limits, IncomingTlsReports reports,
                               RejectedReports rejectedReports, DomainList domains, HostedPolicies policies,
                               MetricFactory metrics, Clock clock) {
        this.settings = settings;
        this.policies = policies;
        this.domains = domains;
        this.metrics = metrics;
        this.clock = clock;
        this.posts = new TlsReportPosts(settings, limits, reports, rejectedReports, domains, metrics, clock);
    }

    @Override
    public void start() {
        if (!listening()) {
            LOG.info("mailsec: the HTTPS TLS report receiver is off (mailsec.reports.receiver.enabled), and so is MTA-STS"
                + " policy hosting (mailsec.mtasts.hosting.enabled)");
            return;
        }
        QueuedThreadPool threads = new QueuedThreadPool(WORKERS, 4);
        threads.setName("mailsec-report-receiver");
        threads.setDaemon(true);
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        http.setRequestHeaderSize(8 * 1024);
        HttpConnectionFactory plain = new HttpConnectionFactory(http);
        // Read once: the TLS factory serves from it, and policy hosting checks which names it covers.
        KeyStore keys = null;
        try {
            keys = settings.plaintext() ? null : keyStore();
            connector = keys == null
                ? new ServerConnector(server, 1, 1, plain)
                : new ServerConnector(server, 1, 1, new SslConnectionFactory(tlsFactory(keys), "http/1.1"), plain);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("mailsec: cannot read mailsec.reports.receiver.keystore "
                + settings.keystore().map(Object::toString).orElse("") + ": " + e.getMessage(), e);
        }
        connector.setHost(settings.bind());
        connector.setPort(settings.port());
        connector.setAcceptQueueSize(BACKLOG);
        // Between two reads, whatever the stage; the guard bounds the total time.
        connector.setIdleTimeout(settings.headerTimeout().toMillis());
        guard = new ConnectionGuard(settings.headerTimeout(), settings.connectionsPerClient(), settings.ratePerMinute(),
            connector.getScheduler(), metrics, clock);
        connector.addBean(guard);
        server.addConnector(connector);
        server.addBean(new ConnectionLimit(MAX_CONNECTIONS, server));
        posts.guardedBy(guard);
        HandlerList handlers = new HandlerList();
        if (policies.enabled()) {
            handlers.addHandler(new MtaStsPolicyHandler(policies, metrics));
        }
        if (settings.enabled()) {
            handlers.addHandler(posts);
        }
        server.setHandler(handlers);
        // Whatever fails inside a request is a bare status on the internet, never a page with a stack trace.
        org.eclipse.jetty.server.handler.ErrorHandler errors = new org.eclipse.jetty.server.handler.ErrorHandler();
        errors.setShowStacks(false);
        errors.setShowMessageInTitle(false);
        server.setErrorHandler(errors);
        server.setStopTimeout(1_000);
        try {
            server.start();
        } catch (Exception e) {
            stop();
            throw new IllegalStateException("mailsec: cannot start the TLS report receiver on " + settings.bind() + ":"
                + settings.port() + ": " + e.getMessage(), e);
        }
        String scheme = settings.plaintext() ? "http" : "https";
        if (settings.enabled()) {
            LOG.info("mailsec: receiving TLS reports at {}://{}:{}{}", scheme, settings.bind(), port(), settings.path());
        }
        if (policies.enabled()) {
            LOG.info("mailsec: serving MTA-STS policies for James's domains at {}://mta-sts.<domain>:{}{}", scheme, port(),
                MtaStsPolicyHandler.PATH);
            if (keys != null) {
                warnOfPolicyHostsWithoutCertificate(keys);
            }
        }
    }

    /** The listener runs for the report receiver, for MTA-STS policy hosting, or for both. */
    private boolean listening() {
        return settings.enabled() || policies.enabled();
    }

    /** Why the receiver is not serving, when it should: empty when disabled or accepting connections. */
    public Optional<String> problem() {
        if (!listening()) {
            return Optional.empty();
        }
        if (server == null || !server.isRunning()) {
            return Optional.of("the TLS report receiver is not running");
        }
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(settings.bind().equals("0.0.0.0") ? "127.0.0.1" : settings.bind(), port()), 2_000);
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("the TLS report receiver does not accept connections on " + settings.bind() + ":" + port()
                + ": " + e.getMessage());
        }
    }

    /** The port listened on (useful with port 0), or -1 when off. */
    public int port() {
        return connector == null ? -1 : connector.getLocalPort();
    }

    /** Connections open now, as the guard counts them (tests). */
    int openConnections() {
        return guard == null ? 0 : guard.openConnections();
    }

    /**
     * RFC 8461 §3.3: senders fetch a policy only from a host whose certificate is valid for {@code mta-sts.<domain>}; a
     * James domain the keystore has no certificate for gets no policy, which is said once at start.
     */
    private void warnOfPolicyHostsWithoutCertificate(KeyStore keys) {
        try {
            java.util.List<java.security.cert.X509Certificate> certificates = new java.util.ArrayList<>();
            for (String alias : java.util.Collections.list(keys.aliases())) {
                if (keys.getCertificate(alias) instanceof java.security.cert.X509Certificate certificate) {
                    certificates.add(certificate);
                }
            }
            for (org.apache.james.core.Domain domain : domains.getDomains()) {
                String host = "mta-sts." + domain.asString();
                if (certificates.stream().noneMatch(c -> org.mailsec.dane.HostnameMatcher.matchesAny(c, java.util.List.of(host)))) {
                    LOG.warn("mailsec: no certificate in mailsec.reports.receiver.keystore covers {}: senders cannot fetch the"
                        + " MTA-STS policy of {}", host, domain.asString());
                }
            }
        } catch (GeneralSecurityException | org.apache.james.domainlist.api.DomainListException e) {
            LOG.warn("mailsec: cannot tell which MTA-STS policy hosts the keystore covers: {}", e.getMessage());
        }
    }

    private KeyStore keyStore() throws IOException, GeneralSecurityException {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(settings.keystore().orElseThrow())) {
            keys.load(in, settings.keystorePassword().toCharArray());
        }
        return keys;
    }

    private SslContextFactory.Server tlsFactory(KeyStore keys) {
        // Jetty chooses among the keystore's certificates by the name the client asks for (SNI): one per
        // mta-sts.<domain>, or a wildcard, in one PKCS#12 file.
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStore(keys);
        tls.setKeyStorePassword(settings.keystorePassword());
        tls.setSniRequired(false);
        return tls;
    }

    @PreDestroy
    public void stop() {
        if (server != null) {
            try {
                server.stop();
            } catch (Exception e) {
                LOG.warn("mailsec: the TLS report receiver did not stop cleanly", e);
            }
        }
    }
}
