package org.mailsec.dane;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.mailsec.tlsrpt.ResultType;

/**
 * The trust manager of one outgoing SMTP connection: it applies the connection's {@link TlsPolicy} and
 * remembers the outcome, so delivery can record a TLS report result after the handshake. Failures throw a
 * {@link TlsVerificationException} carrying the RFC 8460 result type, which aborts the handshake.
 */
public final class SmtpTrustManager extends ClientSideTrustManager {

    /** What the handshake's verification concluded. */
    public record Outcome(TlsPolicy policy, boolean verified, Optional<DaneVerifier.Match> daneMatch,
                          Optional<TlsVerificationException> failure, boolean pkixWouldPass) {
    }

    private final TlsPolicy policy;
    private final X509TrustManager pkix;
    private final Clock clock;
    private volatile Outcome outcome;

    public SmtpTrustManager(TlsPolicy policy, X509TrustManager pkix, Clock clock) {
        this.policy = policy;
        this.pkix = pkix;
        this.clock = clock;
    }

    /** With the JVM's default trust store (cacerts). */
    public SmtpTrustManager(TlsPolicy policy) {
        this(policy, defaultPkix(), Clock.systemUTC());
    }

    /** The JVM's default PKIX trust manager, or one over the given trust store. */
    public static X509TrustManager defaultPkix() {
        return pkixFrom(null);
    }

    /** PKIX over the certificates of a PEM bundle; a bundle without any certificate is refused. */
    public static X509TrustManager pkixFromPem(java.nio.file.Path pem) throws java.io.IOException,
            java.security.GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int n = 0;
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(pem)) {
            for (java.security.cert.Certificate c : java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificates(in)) {
                store.setCertificateEntry("root-" + n++, c);
            }
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalArgumentException("no certificate in " + pem + " (" + e.getMessage() + ")", e);
        }
        if (n == 0) {
            throw new IllegalArgumentException("no certificate in " + pem);
        }
        return pkixFrom(store);
    }

    public static X509TrustManager pkixFrom(KeyStore trustStore) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("no X509TrustManager in the JVM");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the PKIX trust store", e);
        }
    }

    /** The outcome of the last handshake, if one reached certificate verification. */
    public Optional<Outcome> outcome() {
        return Optional.ofNullable(outcome);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, authType);
    }

    private void verify(X509Certificate[] chain, String authType) throws TlsVerificationException {
        List<X509Certificate> presented = Arrays.asList(chain);
        if (policy instanceof TlsPolicy.Dane dane) {
            try {
                DaneVerifier.Match match = DaneVerifier.verify(presented, dane.records(), dane.referenceNames(), true,
                    clock.instant());
                String hostname = dane.referenceNames().isEmpty() ? "" : dane.referenceNames().get(0);
                outcome = new Outcome(policy, true, Optional.of(match), Optional.empty(), pkixPasses(chain, authType, hostname));
            } catch (TlsVerificationException e) {
                outcome = new Outcome(policy, false, Optional.empty(), Optional.of(e), false);
                throw e;
            }
        } else if (policy instanceof TlsPolicy.Pkix pkixPolicy) {
            try {
                checkPkix(chain, authType, pkixPolicy.hostname());
                outcome = new Outcome(policy, true, Optional.empty(), Optional.empty(), true);
            } catch (TlsVerificationException e) {
                outcome = new Outcome(policy, false, Optional.empty(), Optional.of(e), false);
                throw e;
            }
        } else if (policy instanceof TlsPolicy.Opportunistic opportunistic) {
            outcome = new Outcome(policy, true, Optional.empty(), Optional.empty(),
                pkixPasses(chain, authType, opportunistic.hostname()));
        }
    }

    private boolean pkixPasses(X509Certificate[] chain, String authType, String hostname) {
        try {
            checkPkix(chain, authType, hostname);
            return true;
        } catch (TlsVerificationException e) {
            return false;
        }
    }

    private void checkPkix(X509Certificate[] chain, String authType, String hostname) throws TlsVerificationException {
        try {
            pkix.checkServerTrusted(chain, authType);
        } catch (CertificateException e) {
            throw classify(e);
        }
        if (!HostnameMatcher.matchesAny(chain[0], List.of(hostname))) {
            throw new TlsVerificationException(ResultType.CERTIFICATE_HOST_MISMATCH, "name-mismatch",
                "certificate names " + HostnameMatcher.dnsNames(chain[0]) + " do not match " + hostname);
        }
    }

    /** Turns the JDK's PKIX failure into an RFC 8460 result type. */
    static TlsVerificationException classify(CertificateException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateExpiredException) {
                return new TlsVerificationException(ResultType.CERTIFICATE_EXPIRED, "expired", "certificate has expired");
            }
            if (t instanceof CertificateNotYetValidException) {
                return new TlsVerificationException(ResultType.CERTIFICATE_EXPIRED, "not-yet-valid", "certificate is not valid yet");
            }
            if (t instanceof CertPathValidatorException cpve
                    && cpve.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                return new TlsVerificationException(ResultType.CERTIFICATE_EXPIRED, "expired", "certificate chain has expired");
            }
        }
        return new TlsVerificationException(ResultType.CERTIFICATE_NOT_TRUSTED, "untrusted-issuer",
            "certificate not trusted: " + rootMessage(e));
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
