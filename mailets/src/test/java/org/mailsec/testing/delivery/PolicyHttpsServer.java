package org.mailsec.testing.delivery;

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
import javax.net.ssl.SSLContext;

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

    public PolicyHttpsServer(SSLContext tls) throws IOException {
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
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

    private void handle(HttpExchange exchange) throws IOException {
        String host = String.valueOf(exchange.getRequestHeaders().getFirst("Host")).toLowerCase(Locale.ROOT);
        host = host.contains(":") ? host.substring(0, host.indexOf(':')) : host;
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
