package org.mailsec.mtasts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsResolver;
import org.mailsec.record.RecordException;
import org.mailsec.record.TxtRecordLookup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches MTA-STS policies over HTTPS (RFC 8461 §3.3) with the JDK HttpClient: no redirects, 200 only,
 * 404 or a non-existent {@code mta-sts.<domain>} meaning "no policy", the body capped while it is read,
 * and one deadline for the whole exchange.
 */
public final class MtaStsPolicyFetcher {

    private static final Logger LOG = LoggerFactory.getLogger(MtaStsPolicyFetcher.class);

    private final HttpClient client;
    private final DnsResolver resolver;
    private final int port;
    private final Duration timeout;
    private final Clock clock;

    private MtaStsPolicyFetcher(Builder b) {
        HttpClient.Builder http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(b.connectTimeout)
            .version(HttpClient.Version.HTTP_1_1);
        if (b.sslContext != null) {
            http.sslContext(b.sslContext);
        }
        this.client = http.build();
        this.resolver = b.resolver;
        this.port = b.port;
        this.timeout = b.timeout;
        this.clock = b.clock;
    }

    public static Builder builder(DnsResolver resolver) {
        return new Builder(resolver);
    }

    public static final class Builder {
        private final DnsResolver resolver;
        private SSLContext sslContext;
        private int port = 443;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration timeout = Duration.ofSeconds(60);
        private Clock clock = Clock.systemUTC();

        private Builder(DnsResolver resolver) {
            this.resolver = resolver;
        }

        /** Trust for the policy servers' certificates; default: the JVM's (cacerts). */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        /** The HTTPS port; 443 except in tests. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** Deadline for the whole fetch: connect, TLS, headers and body. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public MtaStsPolicyFetcher build() {
            return new MtaStsPolicyFetcher(this);
        }
    }

    public PolicyFetch fetch(String domain) {
        String host = "mta-sts." + TxtRecordLookup.normalise(domain);
        try {
            if (resolver.a(host).nxdomain() && resolver.aaaa(host).nxdomain()) {
                return done(PolicyFetch.Outcome.NO_POLICY, null, "", "policy-host-nxdomain");
            }
        } catch (DnsException e) {
            return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "dns: " + e.getMessage());
        }
        URI uri = URI.create("https://" + host + (port == 443 ? "" : ":" + port) + "/.well-known/mta-sts.txt");
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET()
            .header("User-Agent", "mailsec MTA-STS").build();
        CompletableFuture<HttpResponse<byte[]>> exchange = client.sendAsync(request,
            info -> info.statusCode() == 200 ? new CappedBody(MtaStsPolicy.MAX_POLICY_BYTES)
                : HttpResponse.BodySubscribers.replacing(new byte[0]));
        HttpResponse<byte[]> response;
        try {
            response = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "timeout");
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "interrupted");
        } catch (ExecutionException e) {
            return failure(e.getCause());
        }
        int status = response.statusCode();
        if (status == 404) {
            return done(PolicyFetch.Outcome.NO_POLICY, null, "", "http-status-404");
        }
        if (status >= 300 && status < 400) {
            return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "redirect-not-allowed (http-status-" + status + ")");
        }
        if (status != 200) {
            return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "http-status-" + status);
        }
        String contentType = response.headers().firstValue("Content-Type").orElse("");
        if (!contentType.toLowerCase(Locale.ROOT).startsWith("text/plain")) {
            // RFC 8461 asks for text/plain; refusing would drop the domain's protection, so accept and say so.
            LOG.info("MTA-STS policy of {} served as '{}', not text/plain; accepted", domain, contentType);
        }
        byte[] body = response.body();
        String text = new String(body, StandardCharsets.US_ASCII);
        try {
            return done(PolicyFetch.Outcome.POLICY, MtaStsPolicy.parse(body), text, "");
        } catch (RecordException e) {
            return done(PolicyFetch.Outcome.INVALID, null, text, "policy-invalid: " + e.getMessage());
        }
    }

    private PolicyFetch failure(Throwable cause) {
        Throwable t = cause;
        while (t != null) {
            if (t instanceof BodyTooLargeException) {
                return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "body-too-large");
            }
            if (t instanceof SSLHandshakeException) {
                return done(PolicyFetch.Outcome.WEBPKI_INVALID, null, "", "tls: " + rootMessage(t));
            }
            if (t instanceof HttpConnectTimeoutException || t instanceof HttpTimeoutException) {
                return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "timeout");
            }
            if (t instanceof ConnectException) {
                return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "connection-refused");
            }
            t = t.getCause();
        }
        return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "fetch: " + rootMessage(cause));
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return m == null ? root.getClass().getSimpleName() : m;
    }

    private PolicyFetch done(PolicyFetch.Outcome outcome, MtaStsPolicy policy, String text, String reason) {
        return new PolicyFetch(outcome, Optional.ofNullable(policy), text, reason, clock.instant());
    }

    /** Thrown inside the body subscriber when the body passes the cap. */
    static final class BodyTooLargeException extends IOException {
        BodyTooLargeException(int limit) {
            super("policy body larger than " + limit + " bytes");
        }
    }

    /** Collects at most {@code limit} bytes and cancels the transfer as soon as more arrive. */
    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int limit;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        CappedBody(int limit) {
            this.limit = limit;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer item : items) {
                if (buffer.size() + item.remaining() > limit) {
                    subscription.cancel();
                    result.completeExceptionally(new BodyTooLargeException(limit));
                    return;
                }
                byte[] bytes = new byte[item.remaining()];
                item.get(bytes);
                buffer.writeBytes(bytes);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(buffer.toByteArray());
        }
    }
}
