package org.mailsec.mtasts;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsResolver;
import org.mailsec.net.AddressPolicy;
import org.mailsec.net.HttpsClient;
import org.mailsec.net.RefusedAddressException;
import org.mailsec.record.RecordException;
import org.mailsec.record.TxtRecordLookup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches MTA-STS policies over HTTPS (RFC 8461 §3.3): {@code mta-sts.<domain>} resolved by mailsec's resolver and
 * the connection pinned to an address the {@link AddressPolicy} allows, no redirects, 200 only, 404 or a
 * non-existent policy host meaning "no policy", the body capped while it is read, and one deadline for the whole
 * exchange. Failure reasons are mailsec's own words: nothing the far end says goes into a report.
 */
public final class MtaStsPolicyFetcher {

    private static final Logger LOG = LoggerFactory.getLogger(MtaStsPolicyFetcher.class);

    private final HttpsClient client;
    private final DnsResolver resolver;
    private final int port;
    private final Duration timeout;
    private final Clock clock;

    private MtaStsPolicyFetcher(Builder b) {
        SSLContext trust;
        try {
            trust = b.sslContext != null ? b.sslContext : SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("no default TLS context in this JVM", e);
        }
        this.client = new HttpsClient(b.resolver, b.addressPolicy, trust, b.connectTimeout, "mailsec MTA-STS");
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
        private AddressPolicy addressPolicy = AddressPolicy.publicOnly();
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

        /** Which addresses a policy host may have; default: public ones only. */
        public Builder addressPolicy(AddressPolicy addressPolicy) {
            this.addressPolicy = addressPolicy;
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
        String host = "mta-sts." + org.mailsec.dns.DomainNames.normalise(domain);
        try {
            if (resolver.a(host).nxdomain() && resolver.aaaa(host).nxdomain()) {
                return done(PolicyFetch.Outcome.NO_POLICY, null, "", "policy-host-nxdomain");
            }
        } catch (DnsException e) {
            return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "dns: " + e.getMessage());
        }
        URI uri = URI.create("https://" + host + (port == 443 ? "" : ":" + port) + "/.well-known/mta-sts.txt");
        HttpsClient.Response response;
        try {
            response = client.get(uri, timeout, MtaStsPolicy.MAX_POLICY_BYTES);
        } catch (IOException e) {
            return failure(e);
        }
        int status = response.status();
        if (status == 404) {
            return done(PolicyFetch.Outcome.NO_POLICY, null, "", "http-status-404");
        }
        if (status >= 300 && status < 400) {
            return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "redirect-not-allowed (http-status-" + status + ")");
        }
        if (status != 200) {
            return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "http-status-" + status);
        }
        String contentType = response.contentType().orElse("");
        if (!contentType.toLowerCase(Locale.ROOT).startsWith("text/plain")) {
            // RFC 8461 asks for text/plain; refusing would drop the domain's protection, so accept and say so.
            LOG.info("MTA-STS policy of {} served as '{}', not text/plain; accepted", domain,
                contentType.length() > 80 ? contentType.substring(0, 80) + "…" : contentType);
        }
        byte[] body = response.body();
        String text = new String(body, StandardCharsets.US_ASCII);
        try {
            return done(PolicyFetch.Outcome.POLICY, MtaStsPolicy.parse(body), text, "");
        } catch (RecordException e) {
            return done(PolicyFetch.Outcome.INVALID, null, text, "policy-invalid: " + e.getMessage());
        }
    }

    /** mailsec's own words for what went wrong: the far end's text never reaches a report (no probe oracle). */
    private PolicyFetch failure(IOException cause) {
        Throwable t = cause;
        while (t != null) {
            if (t instanceof HttpsClient.BodyTooLargeException) {
                return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "body-too-large");
            }
            if (t instanceof RefusedAddressException) {
                LOG.warn("MTA-STS policy host refused: {}", t.getMessage());
                return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "refused-address");
            }
            if (t instanceof SSLHandshakeException || t instanceof javax.net.ssl.SSLPeerUnverifiedException) {
                return done(PolicyFetch.Outcome.WEBPKI_INVALID, null, "", "tls: " + rootMessage(t));
            }
            if (t instanceof SocketTimeoutException || t instanceof ConnectTimeoutException) {
                return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "timeout");
            }
            if (t instanceof ConnectException) {
                return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "connection-refused");
            }
            if (t instanceof UnknownHostException) {
                return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "dns: no usable address");
            }
            t = t.getCause();
        }
        LOG.info("MTA-STS policy fetch failed: {}", rootMessage(cause));
        return done(PolicyFetch.Outcome.FETCH_ERROR, null, "", "fetch-failed (" + cause.getClass().getSimpleName() + ")");
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
}
