package org.mailsec.connect;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Optional;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.mailsec.dane.SmtpTrustManager;
import org.mailsec.dane.TlsPolicy;

/**
 * The socket factory of one SMTP connection, handed to javax.mail as an object in the Session properties.
 * javax.mail calls {@link #createSocket(Socket, String, int, boolean)} only after the server offered STARTTLS
 * and accepted it, which is how delivery knows STARTTLS was offered. The TLS layer is given the MX host
 * name (SNI, name checks) while the TCP connection goes to the address from DNS. Its TLS context comes from
 * {@link TlsSessions}, so the handshake may resume an earlier session under the same policy.
 */
final class StartTlsSocketFactory extends SSLSocketFactory {

    private final String mx;
    private final SmtpTrustManager verifier;
    private final X509ExtendedTrustManager trust;
    private final TlsSessions sessions;
    private final TlsSessions.Context context;
    private volatile boolean offered;
    private volatile String sendingIp = "";
    private volatile SSLSocket tls;

    /** With {@code fullHandshake}, a context of its own: no earlier session can be resumed. */
    StartTlsSocketFactory(String mx, TlsPolicy policy, boolean reportOnly, X509TrustManager pkix, Clock clock,
                          TlsSessions sessions, boolean fullHandshake) {
        this.mx = mx;
        this.verifier = new SmtpTrustManager(policy, pkix, clock);
        this.trust = reportOnly ? new ReportOnlyTrustManager(verifier) : verifier;
        this.sessions = sessions;
        this.context = fullHandshake ? sessions.fresh() : sessions.context(policy, reportOnly);
    }

    boolean starttlsOffered() {
        return offered;
    }

    String sendingIp() {
        return sendingIp;
    }

    Optional<SmtpTrustManager.Outcome> outcome() {
        return verifier.outcome();
    }

    /**
     * After a completed handshake: true when it resumed an earlier session, so the server presented no
     * certificate and the trust manager was not called. (Not whether the session is still valid: under TLS 1.2 all
     * connections resuming one session share its object, which another connection may invalidate meanwhile.)
     */
    boolean resumed() {
        return tls != null && verifier.outcome().isEmpty();
    }

    /**
     * Checks the chain a resumed session was established with against this connection's policy, now: DANE
     * against the current TLSA records, PKIX path and validity at this instant, the names. What resumption does
     * not repeat is the server's proof of its private key, which the session's secret stands for. Returns false
     * (and forgets the session) when the chain no longer passes, so the caller connects again with a full
     * handshake rather than judge the server by a certificate it may have replaced.
     */
    boolean verifyResumed() {
        SSLSocket socket = tls;
        try {
            Certificate[] peer = socket.getSession().getPeerCertificates();
            X509Certificate[] chain = new X509Certificate[peer.length];
            for (int i = 0; i < peer.length; i++) {
                chain[i] = (X509Certificate) peer[i];
            }
            trust.checkServerTrusted(chain, authType(socket.getSession()), socket);
        } catch (SSLPeerUnverifiedException | CertificateException | RuntimeException e) {
            forget();
            return false;
        } finally {
            context.unbind(socket);
        }
        boolean passed = verifier.outcome().map(SmtpTrustManager.Outcome::verified).orElse(false);
        if (passed) {
            sessions.countResumed();
        } else {
            forget();
        }
        return passed;
    }

    /** The session is never resumed: its verification failed (and a report-only policy let it go on). */
    void forget() {
        SSLSocket socket = tls;
        if (socket != null) {
            socket.getSession().invalidate();
            context.unbind(socket);
        }
    }

    /** What JSSE would have passed as {@code authType}: the key exchange for TLS 1.2, {@code UNKNOWN} for 1.3. */
    private static String authType(SSLSession session) {
        String suite = session.getCipherSuite();
        if (!"TLSv1.2".equals(session.getProtocol()) || !suite.startsWith("TLS_")) {
            return "UNKNOWN";
        }
        int with = suite.indexOf("_WITH_");
        return with < 0 ? "UNKNOWN" : suite.substring("TLS_".length(), with);
    }

    @Override
    public Socket createSocket(Socket plain, String host, int port, boolean autoClose) throws IOException {
        offered = true;
        InetAddress local = plain.getLocalAddress();
        sendingIp = local == null ? "" : local.getHostAddress();
        SSLSocket socket = (SSLSocket) context.factory().createSocket(plain, mx, port, autoClose);
        SSLParameters parameters = socket.getSSLParameters();
        // Name checks are the trust manager's (policy-dependent); no HTTPS-style endpoint identification.
        parameters.setEndpointIdentificationAlgorithm(null);
        socket.setSSLParameters(parameters);
        context.bind(socket, trust);
        tls = socket;
        return socket;
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        throw new IOException("SMTP delivery uses STARTTLS, not implicit TLS");
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        throw new IOException("SMTP delivery uses STARTTLS, not implicit TLS");
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        throw new IOException("SMTP delivery uses STARTTLS, not implicit TLS");
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        throw new IOException("SMTP delivery uses STARTTLS, not implicit TLS");
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return context.factory().getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return context.factory().getSupportedCipherSuites();
    }
}
