package org.mailsec.connect;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.WeakHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.mailsec.dane.TlsPolicy;
import org.mailsec.dane.ClientSideTrustManager;

/**
 * Client TLS contexts kept per certificate policy, so that a later connection to the same MX host can resume the
 * TLS session of an earlier one instead of paying a full handshake (Postfix's {@code smtp_tls_session_cache}).
 *
 * <p>JSSE keeps resumable sessions per {@link SSLContext}, keyed by the name and port given to the TLS layer. One
 * context per (policy, report-only) pair means a session established under one policy is never offered under
 * another: the DANE policy carries its TLSA RRset, so a changed RRset is a new key and a new, empty session cache;
 * an MTA-STS host and an opportunistic one never share sessions either. Sessions live at most
 * {@link #lifetime} (one hour by default); {@link StartTlsSocketFactory} also re-checks the chain of every resumed
 * session against the policy at the time of use, so a certificate that has expired since is not resumed.
 *
 * <p>The contexts' trust manager is shared; the verification of each connection (and its outcome, which TLS
 * reporting needs) belongs to the connection, found through the socket JSSE hands to the trust manager.
 */
public final class TlsSessions {

    /** One hour, Postfix's {@code smtp_tls_session_cache_timeout}; RFC 8446 §4.6.1 lets a server allow up to 7 days. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofHours(1);
    /** Policies kept; the least recently used is forgotten beyond this. */
    static final int MAX_CONTEXTS = 1000;
    /** Sessions kept per policy: one per (MX name, port), several when the MX names of a DANE policy differ. */
    private static final int SESSIONS_PER_CONTEXT = 64;

    private final boolean enabled;
    private final Duration lifetime;
    private final java.util.concurrent.atomic.AtomicLong resumed = new java.util.concurrent.atomic.AtomicLong();
    private final Map<Key, Context> contexts = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Context> eldest) {
            return size() > MAX_CONTEXTS;
        }
    };

    private record Key(TlsPolicy policy, boolean reportOnly) {
    }

    /** Contexts kept for {@code lifetime}; with {@code enabled} false every connection gets a fresh context. */
    public TlsSessions(boolean enabled, Duration lifetime) {
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("the TLS session lifetime must be positive, not " + lifetime);
        }
        this.enabled = enabled;
        this.lifetime = lifetime;
    }

    /** The context connections under {@code policy} use. */
    Context context(TlsPolicy policy, boolean reportOnly) {
        if (!enabled) {
            return new Context((int) lifetime.toSeconds());
        }
        synchronized (contexts) {
            return contexts.computeIfAbsent(new Key(policy, reportOnly), k -> new Context((int) lifetime.toSeconds()));
        }
    }

    /** Handshakes that resumed a session and whose chain passed the policy again. */
    public long resumed() {
        return resumed.get();
    }

    void countResumed() {
        resumed.incrementAndGet();
    }

    /** A context of its own, with no session to resume: a full handshake is certain. */
    Context fresh() {
        return new Context((int) lifetime.toSeconds());
    }

    /** One SSLContext and the verifiers of the connections currently handshaking on it. */
    static final class Context {

        private final SSLSocketFactory factory;
        private final Map<Socket, X509ExtendedTrustManager> verifiers = Collections.synchronizedMap(new WeakHashMap<>());

        private Context(int lifetimeSeconds) {
            try {
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, new TrustManager[] {new PerConnection()}, null);
                SSLSessionContext sessions = context.getClientSessionContext();
                sessions.setSessionTimeout(lifetimeSeconds);
                sessions.setSessionCacheSize(SESSIONS_PER_CONTEXT);
                this.factory = context.getSocketFactory();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("no TLS in this JVM", e);
            }
        }

        SSLSocketFactory factory() {
            return factory;
        }

        /** The connection on {@code socket} is verified by {@code verifier} (bound before its handshake). */
        void bind(Socket socket, X509ExtendedTrustManager verifier) {
            verifiers.put(socket, verifier);
        }

        void unbind(Socket socket) {
            verifiers.remove(socket);
        }

        /** Hands each handshake to the verifier of its own connection; a socket without one is refused. */
        private final class PerConnection extends ClientSideTrustManager {

            private X509ExtendedTrustManager of(Socket socket) throws CertificateException {
                X509ExtendedTrustManager verifier = socket == null ? null : verifiers.get(socket);
                if (verifier == null) {
                    throw new CertificateException("no verifier for this connection");
                }
                return verifier;
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                of(socket).checkServerTrusted(chain, authType, socket);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                throw new CertificateException("SMTP delivery verifies sockets, not engines");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("SMTP delivery verifies sockets only");
            }
        }
    }
}
