package org.mailsec.connect;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import org.mailsec.dane.SmtpTrustManager;
import org.mailsec.dane.TlsVerificationException;
import org.mailsec.dane.ClientSideTrustManager;

/**
 * Verifies like the wrapped trust manager, which remembers the outcome, but lets the handshake go on when
 * verification fails: MTA-STS testing mode and {@code TLS-Required: No} report failures, they do not act.
 */
final class ReportOnlyTrustManager extends ClientSideTrustManager {

    private final SmtpTrustManager verifier;

    ReportOnlyTrustManager(SmtpTrustManager verifier) {
        this.verifier = verifier;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        try {
            verifier.checkServerTrusted(chain, authType, socket);
        } catch (TlsVerificationException e) {
            // recorded in the verifier's outcome
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        try {
            verifier.checkServerTrusted(chain, authType, engine);
        } catch (TlsVerificationException e) {
            // recorded in the verifier's outcome
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            verifier.checkServerTrusted(chain, authType);
        } catch (TlsVerificationException e) {
            // recorded in the verifier's outcome
        }
    }
}
