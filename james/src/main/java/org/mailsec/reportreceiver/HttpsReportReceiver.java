package org.mailsec.reportreceiver;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Clock;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.annotation.PreDestroy;
import javax.inject.Inject;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.utils.UserDefinedStartable;
import org.mailsec.james.MailsecSettings;
import org.mailsec.store.report.IncomingTlsReports;
import org.mailsec.store.report.RejectedReports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS endpoint for TLS reports posted to an {@code https:} rua (RFC 8460 §3 and §5.3), a
 * {@code guice.extension.startable} that does nothing unless {@code mailsec.reports.receiver.enabled=true}.
 * It runs apart from webadmin, which must not face the internet. Posts are handled by {@link TlsReportPosts}
 * on four workers with a queue of 64. When both are full, the accepting thread handles the post itself, so a flood
 * waits in the TCP backlog rather than in memory. A request has 30 seconds to arrive and its answer 30 seconds to
 * leave, so slow clients cannot hold the workers.
 */
@javax.inject.Singleton
public class HttpsReportReceiver implements UserDefinedStartable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpsReportReceiver.class);
    private static final int WORKERS = 4;
    private static final int QUEUE = 64;

    private final MailsecSettings.Receiver settings;
    private final TlsReportPosts posts;
    private HttpServer server;
    private ThreadPoolExecutor workers;

    @Inject
    public HttpsReportReceiver(MailsecSettings settings, IncomingTlsReports reports, RejectedReports rejectedReports,
                               DomainList domains, MetricFactory metrics, Clock clock) {
        this.settings = settings.receiver();
        this.posts = new TlsReportPosts(this.settings, settings.receivedReportLimits(), reports, rejectedReports, domains,
            metrics, clock);
    }

    @Override
    public void start() {
        if (!settings.enabled()) {
            LOG.info("mailsec: the HTTPS TLS report receiver is off (mailsec.reports.receiver.enabled)");
            return;
        }
        // The JDK server reads these once, when its first instance starts; an operator's own values win.
        System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", "30");
        System.getProperties().putIfAbsent("sun.net.httpserver.maxRspTime", "30");
        try {
            InetSocketAddress address = new InetSocketAddress(settings.bind(), settings.port());
            if (settings.plaintext()) {
                server = HttpServer.create(address, 64);
            } else {
                HttpsServer https = HttpsServer.create(address, 64);
                https.setHttpsConfigurator(new HttpsConfigurator(tls()));
                server = https;
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("mailsec: cannot start the TLS report receiver on " + settings.bind() + ":"
                + settings.port() + ": " + e.getMessage(), e);
        }
        workers = new ThreadPoolExecutor(WORKERS, WORKERS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "mailsec-report-receiver");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
        server.setExecutor(workers);
        server.createContext("/", posts);
        server.start();
        LOG.info("mailsec: receiving TLS reports at {}://{}:{}{}", settings.plaintext() ? "http" : "https", settings.bind(),
            port(), settings.path());
    }

    /** The port listened on (useful with port 0), or -1 when off. */
    /** Why the receiver is not serving, when it should: empty when disabled or accepting connections. */
    public java.util.Optional<String> problem() {
        if (!settings.enabled()) {
            return java.util.Optional.empty();
        }
        if (server == null || workers == null || workers.isShutdown()) {
            return java.util.Optional.of("the TLS report receiver is not running");
        }
        try (java.net.Socket probe = new java.net.Socket()) {
            probe.connect(server.getAddress(), 2_000);
            return java.util.Optional.empty();
        } catch (java.io.IOException e) {
            return java.util.Optional.of("the TLS report receiver does not accept connections on " + server.getAddress()
                + ": " + e.getMessage());
        }
    }

    public int port() {
        return server == null ? -1 : server.getAddress().getPort();
    }

    private SSLContext tls() throws IOException, GeneralSecurityException {
        char[] password = settings.keystorePassword().toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(settings.keystore().orElseThrow())) {
            keys.load(in, password);
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        return context;
    }

    @PreDestroy
    public void stop() {
        if (server != null) {
            server.stop(1);
            workers.shutdownNow();
        }
    }
}
