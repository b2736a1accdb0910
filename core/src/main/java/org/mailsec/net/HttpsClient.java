package org.mailsec.net;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.util.Timeout;
import org.mailsec.dns.DnsResolver;

/**
 * HTTPS as mailsec needs it for MTA-STS policies and https rua: names resolved by mailsec's resolver and the
 * connection pinned to an address the {@link AddressPolicy} allows (TLS checks the name: SNI, WebPKI, host name),
 * no redirects, no cookies, no retries behind the caller's back, one deadline for the whole exchange and a cap on
 * what is read. On Apache HttpClient 5, whose DNS hook makes the pinning possible.
 */
public final class HttpsClient implements Closeable {

    /** What a GET gave; {@code body} is empty unless the status is 200. */
    public record Response(int status, Optional<String> contentType, byte[] body) {
    }

    /** The body passed the cap: the transfer was cut. */
    public static final class BodyTooLargeException extends IOException {
        public BodyTooLargeException(int limit) {
            super("body larger than " + limit + " bytes");
        }
    }

    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mailsec-https-deadlines");
        t.setDaemon(true);
        return t;
    });

    private final CloseableHttpClient client;
    private final String userAgent;

    public HttpsClient(DnsResolver resolver, AddressPolicy policy, SSLContext trust, Duration connectTimeout,
                       String userAgent) {
        this.userAgent = userAgent;
        this.client = HttpClients.custom()
            .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(new PinnedDnsResolver(resolver, policy))
                .setTlsSocketStrategy(ClientTlsStrategyBuilder.create().setSslContext(trust).buildClassic())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                    .setConnectTimeout(Timeout.of(connectTimeout)).setSocketTimeout(Timeout.of(connectTimeout)).build())
                .setMaxConnTotal(32).setMaxConnPerRoute(2)
                .build())
            .setDefaultRequestConfig(RequestConfig.custom().setRedirectsEnabled(false).build())
            .disableRedirectHandling()
            .disableCookieManagement()
            .disableAutomaticRetries()
            .disableAuthCaching()
            .build();
    }

    /** GETs {@code uri}; a 200's body is read up to {@code maxBytes} (more throws {@link BodyTooLargeException}). */
    public Response get(URI uri, Duration deadline, int maxBytes) throws IOException {
        HttpGet get = new HttpGet(uri);
        return within(get, deadline, () -> client.execute(get, response -> {
            byte[] body = new byte[0];
            if (response.getCode() == 200 && response.getEntity() != null) {
                try (InputStream in = response.getEntity().getContent()) {
                    body = capped(in, maxBytes);
                }
            }
            Header type = response.getFirstHeader("Content-Type");
            return new Response(response.getCode(), Optional.ofNullable(type).map(Header::getValue), body);
        }));
    }

    /** POSTs {@code body}; returns the status (the answer's body is not read beyond a few KB). */
    public int post(URI uri, String contentType, byte[] body, Duration deadline) throws IOException {
        HttpPost post = new HttpPost(uri);
        post.setEntity(new ByteArrayEntity(body, ContentType.parse(contentType)));
        return within(post, deadline, () -> client.execute(post, response -> {
            if (response.getEntity() != null) {
                try (InputStream in = response.getEntity().getContent()) {
                    in.readNBytes(4096);
                }
            }
            return response.getCode();
        }));
    }

    private interface Exchange<T> {
        T run() throws IOException;
    }

    private <T> T within(HttpUriRequestBase request, Duration deadline, Exchange<T> exchange) throws IOException {
        request.setHeader("User-Agent", userAgent);
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> timer = DEADLINES.schedule(() -> {
            expired.set(true);
            request.cancel();
        }, deadline.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return exchange.run();
        } catch (IOException e) {
            if (expired.get()) {
                SocketTimeoutException timeout = new SocketTimeoutException("no complete answer within " + deadline.toSeconds() + " s");
                timeout.initCause(e);
                throw timeout;
            }
            throw e;
        } finally {
            timer.cancel(false);
        }
    }

    private static byte[] capped(InputStream in, int maxBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            if (out.size() + n > maxBytes) {
                throw new BodyTooLargeException(maxBytes);
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    @Override
    public void close() throws IOException {
        client.close();
    }
}
