package org.mailsec.testing;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.mailsec.dns.TlsaRecord;

/**
 * Certificates minted in tests: a CA, intermediates and leaves (valid, expired, wrong name, self-signed),
 * and the SSLContexts that serve or trust them. EC P-256 keys, so minting is fast.
 */
public final class TestPki {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private TestPki() {
    }

    /** A key with the certificate chain that goes with it (leaf first). */
    public record Identity(KeyPair keys, List<X509Certificate> chain) {
        public X509Certificate certificate() {
            return chain.get(0);
        }

        /** An identity issued by this one (which must be a CA). */
        public Identity issue(String commonName, Instant notBefore, Instant notAfter, boolean ca, String... dnsNames) {
            KeyPair leafKeys = newKeys();
            X509Certificate cert = TestPki.certificate(commonName, leafKeys, this, notBefore, notAfter, ca, dnsNames);
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(cert);
            chain.addAll(this.chain);
            return new Identity(leafKeys, chain);
        }

        /** A server certificate valid now for the names. */
        public Identity issueServer(String... dnsNames) {
            Instant now = Instant.now();
            return issue(dnsNames[0], now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)), false, dnsNames);
        }

        /** A server certificate for the names that expired yesterday. */
        public Identity issueExpired(String... dnsNames) {
            Instant now = Instant.now();
            return issue(dnsNames[0], now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)), false, dnsNames);
        }

        /** The chain without the root, as a server sends it. */
        public X509Certificate[] sentChain() {
            List<X509Certificate> sent = new ArrayList<>(chain);
            if (sent.size() > 1) {
                sent.remove(sent.size() - 1);
            }
            return sent.toArray(new X509Certificate[0]);
        }

        /** An SSLContext presenting this identity (without the root) as a server. */
        public SSLContext serverContext() {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("server", keys.getPrivate(), "x".toCharArray(), sentChain());
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, "x".toCharArray());
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(kmf.getKeyManagers(), null, new SecureRandom());
                return context;
            } catch (Exception e) {
                throw new IllegalStateException("cannot build server SSLContext", e);
            }
        }
    }

    /** A self-signed root CA valid now. */
    public static Identity rootCa(String commonName) {
        KeyPair keys = newKeys();
        Instant now = Instant.now();
        X509Certificate cert = certificate(commonName, keys, null, now.minus(Duration.ofDays(2)), now.plus(Duration.ofDays(365)),
            true);
        return new Identity(keys, List.of(cert));
    }

    /** A self-signed leaf (no CA) for the names. */
    public static Identity selfSigned(String... dnsNames) {
        KeyPair keys = newKeys();
        Instant now = Instant.now();
        X509Certificate cert = certificate(dnsNames[0], keys, null, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)),
            false, dnsNames);
        return new Identity(keys, List.of(cert));
    }

    /** A client SSLContext trusting only these roots. */
    public static SSLContext trusting(X509Certificate... roots) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagerFactory(roots).getTrustManagers(), new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static TrustManagerFactory trustManagerFactory(X509Certificate... roots) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < roots.length; i++) {
                ks.setCertificateEntry("root" + i, roots[i]);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return tmf;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The TLSA record of a certificate with the given usage, selector and matching type. */
    public static TlsaRecord tlsa(int usage, int selector, int matchingType, X509Certificate cert) {
        try {
            byte[] selected = selector == 0 ? cert.getEncoded() : cert.getPublicKey().getEncoded();
            byte[] data = switch (matchingType) {
                case 1 -> MessageDigest.getInstance("SHA-256").digest(selected);
                case 2 -> MessageDigest.getInstance("SHA-512").digest(selected);
                default -> selected;
            };
            return new TlsaRecord(usage, selector, matchingType, data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot compute TLSA data", e);
        }
    }

    public static KeyPair newKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate certificate(String commonName, KeyPair keys, Identity issuer, Instant notBefore,
                                               Instant notAfter, boolean ca, String... dnsNames) {
        try {
            X500Name subject = new X500Name("CN=" + commonName);
            X500Name issuerName = issuer == null ? subject
                : new X500Name(issuer.certificate().getSubjectX500Principal().getName());
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName,
                BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notBefore), Date.from(notAfter), subject,
                keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, ca ? new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)
                : new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            if (dnsNames.length > 0) {
                GeneralName[] names = new GeneralName[dnsNames.length];
                for (int i = 0; i < dnsNames.length; i++) {
                    names[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
                }
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            }
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA")
                .build(issuer == null ? keys.getPrivate() : issuer.keys().getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (Exception e) {
            throw new IllegalStateException("cannot mint certificate for " + commonName, e);
        }
    }
}
