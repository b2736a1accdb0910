package org.mailsec.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.security.KeyStore;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.mailsec.testing.TestPki;

/** A real HTTPS server on loopback serving {@code /.well-known/mta-sts.txt} per policy host (Host header). */
public final class PolicyHttpsServer implements AutoCloseable {

    /** What one policy host answers. */
    public record Answer(int status, String contentType, byte[] body, String location) {
        public static Answer policy(String text) {
            return new Answer(200, "text/plain", text.getBytes(StandardCharsets.US_ASCII), null);
        }

        public static Answer status(int status) {
            return new Answer(status, "text/plain", new byte[0], null);
        }

        public static Answer redirect(String location) {
            return new Answer(302, "text/plain", new byte[0], location);
        }

        public static Answer oversize(int bytes) {
            StringBuilder body = new StringBuilder("version: STSv1\nmode: enforce\nmax_age: 86400\n");
            while (body.length() < bytes) {
                body.append("mx: padding-").append(body.length()).append(".example\n");
            }
            return new Answer(200, "text/plain", body.toString().getBytes(StandardCharsets.US_ASCII), null);
        }
    }

    private final HttpsServer server;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final Map<String, Integer> requests = new ConcurrentHashMap<>();
    private final java.util.List<Posted> posts = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.Deque<Integer> postFailures = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private volatile long postDelayMillis;

    /** A POST received (TLS reports sent to an https rua). */
    public record Posted(String host, String path, String contentType, byte[] body) {
    }

    public PolicyHttpsServer(SSLContext tls) throws IOException {
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        init();
    }

    /**
     * Presents {@code byServerName}'s certificate to clients asking for that name (SNI), the default one
     * to the others: one port serves good and bad policy hosts alike.
     */
    public PolicyHttpsServer(TestPki.Identity defaultIdentity, Map<String, TestPki.Identity> byServerName) throws IOException {
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(sniContext(defaultIdentity, byServerName)));
        init();
    }

    private static SSLContext sniContext(TestPki.Identity fallback, Map<String, TestPki.Identity> byName) {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("default", fallback.keys().getPrivate(), PASSWORD, fallback.sentChain());
            for (Map.Entry<String, TestPki.Identity> e : byName.entrySet()) {
                keys.setKeyEntry(e.getKey(), e.getValue().keys().getPrivate(), PASSWORD, e.getValue().sentChain());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
            kmf.init(keys, PASSWORD);
            X509ExtendedKeyManager base = (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {new SniKeyManager(base, byName.keySet())}, null, null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the policy server's TLS context", e);
        }
    }

    private static final char[] PASSWORD = "x".toCharArray();

    /** Chooses the key by the SNI host name the client sent. */
    private static final class SniKeyManager extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager keys;
        private final java.util.Set<String> names;

        SniKeyManager(X509ExtendedKeyManager keys, java.util.Set<String> names) {
            this.keys = keys;
            this.names = names;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, java.security.Principal[] issuers, SSLEngine engine) {
            if (engine.getHandshakeSession() instanceof ExtendedSSLSession session) {
                for (SNIServerName name : session.getRequestedServerNames()) {
                    if (name instanceof SNIHostName host && names.contains(host.getAsciiName())) {
                        return host.getAsciiName();
                    }
                }
            }
            return "default";
        }

        @Override
        public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
            return "default";
        }

        @Override
        public java.security.cert.X509Certificate[] getCertificateChain(String alias) {
            return keys.getCertificateChain(alias);
        }

        @Override
        public java.security.PrivateKey getPrivateKey(String alias) {
            return keys.getPrivateKey(alias);
        }

        @Override
        public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, java.net.Socket socket) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
            return keys.getServerAliases(keyType, issuers);
        }
    }

    private void init() {
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", this::handle);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public void answer(String domain, Answer answer) {
        answers.put("mta-sts." + domain, answer);
    }

    public int requests(String domain) {
        return requests.getOrDefault("mta-sts." + domain, 0);
    }

    /** Every POST so far. */
    /** The next POSTs are answered with these statuses, one each, before POSTs are taken again (200). */
    public void failPosts(int... statuses) {
        for (int status : statuses) {
            postFailures.add(status);
        }
    }

    /** Each POST is answered this long after its body arrived (a slow collector). */
    public void delayPosts(java.time.Duration delay) {
        postDelayMillis = delay.toMillis();
    }

    public java.util.List<Posted> posts() {
        return java.util.List.copyOf(posts);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String host = String.valueOf(exchange.getRequestHeaders().getFirst("Host")).toLowerCase(Locale.ROOT);
        host = host.contains(":") ? host.substring(0, host.indexOf(':')) : host;
        if ("POST".equals(exchange.getRequestMethod())) {
            posts.add(new Posted(host, exchange.getRequestURI().getPath(),
                exchange.getRequestHeaders().getFirst("Content-Type"), exchange.getRequestBody().readAllBytes()));
            Integer failure = postFailures.poll();
            if (postDelayMillis > 0) {
                try {
                    Thread.sleep(postDelayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(failure == null ? 200 : failure, -1);
            exchange.close();
            return;
        }
        requests.merge(host, 1, Integer::sum);
        Answer answer = "/.well-known/mta-sts.txt".equals(exchange.getRequestURI().getPath())
            ? answers.getOrDefault(host, Answer.status(404)) : Answer.status(404);
        exchange.getResponseHeaders().add("Content-Type", answer.contentType());
        if (answer.location() != null) {
            exchange.getResponseHeaders().add("Location", answer.location());
        }
        exchange.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer.body());
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
