package org.mailsec.connect;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.mailsec.dane.SmtpTrustManager;
import org.mailsec.dane.TlsPolicy;

/**
 * The socket factory of one SMTP connection, handed to javax.mail as an object in the Session properties.
 * javax.mail calls {@link #createSocket(Socket, String, int, boolean)} only after the server offered STARTTLS
 * and accepted it, which is how delivery knows STARTTLS was offered. The TLS layer is given the MX host
 * name (SNI, name checks) while the TCP connection goes to the address from DNS.
 */
final class StartTlsSocketFactory extends SSLSocketFactory {

    private final String mx;
    private final SmtpTrustManager verifier;
    private final SSLSocketFactory delegate;
    private volatile boolean offered;
    private volatile String sendingIp = "";

    StartTlsSocketFactory(String mx, TlsPolicy policy, boolean reportOnly, X509TrustManager pkix, Clock clock) {
        this.mx = mx;
        this.verifier = new SmtpTrustManager(policy, pkix, clock);
        TrustManager trust = reportOnly ? new ReportOnlyTrustManager(verifier) : verifier;
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trust}, null);
            this.delegate = context.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JVM", e);
        }
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

    @Override
    public Socket createSocket(Socket plain, String host, int port, boolean autoClose) throws IOException {
        offered = true;
        InetAddress local = plain.getLocalAddress();
        sendingIp = local == null ? "" : local.getHostAddress();
        SSLSocket tls = (SSLSocket) delegate.createSocket(plain, mx, port, autoClose);
        SSLParameters parameters = tls.getSSLParameters();
        // Name checks are the trust manager's (policy-dependent); no HTTPS-style endpoint identification.
        parameters.setEndpointIdentificationAlgorithm(null);
        tls.setSSLParameters(parameters);
        return tls;
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
        return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return delegate.getSupportedCipherSuites();
    }
}
