package org.mailsec.tlsrpt;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The DKIM key that signs mailsec's TLS report mails, and the key record to publish for it. RFC 8460 §3: the
 * record carries {@code s=tlsrpt} (a key for TLS reports only; dkimpy's strict mode refuses reports without it).
 */
public final class ReportSigningKey {

    private ReportSigningKey() {
    }

    /** A PKCS#8 PEM RSA private key, as {@code mailsec.reports.dkim.key} holds. */
    public static PrivateKey readPem(String pem) throws GeneralSecurityException {
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("not base64 PEM: " + e.getMessage(), e);
        }
    }

    /** The public half of an RSA private key (PKCS#8 keys carry the public exponent). */
    public static PublicKey publicKey(PrivateKey key) throws GeneralSecurityException {
        if (!(key instanceof RSAPrivateCrtKey rsa)) {
            throw new GeneralSecurityException("not an RSA private key with its public exponent");
        }
        return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
    }

    /** The TXT record to publish at {@code selector._domainkey.domain}. */
    public static String record(PublicKey key) {
        return "v=DKIM1; k=rsa; s=tlsrpt; p=" + Base64.getEncoder().encodeToString(key.getEncoded());
    }

    /** What is wrong with a published key record for signing TLS reports with {@code expected} (if known). */
    public static List<String> problems(String published, Optional<PublicKey> expected) {
        List<String> problems = new ArrayList<>();
        String serviceTypes = "*";
        String p = null;
        for (String field : published.split(";")) {
            int eq = field.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String name = field.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = field.substring(eq + 1).replaceAll("\\s", "");
            if (name.equals("s")) {
                serviceTypes = value.toLowerCase(Locale.ROOT);
            } else if (name.equals("p")) {
                p = value;
            }
        }
        if (!List.of(serviceTypes.split(":")).contains("tlsrpt")) {
            problems.add("the key record has no s=tlsrpt (RFC 8460 §3); strict verifiers refuse the reports");
        }
        if (p == null || p.isEmpty()) {
            problems.add("the key record has no public key (p=)");
        } else if (expected.isPresent()) {
            try {
                if (!new BigInteger(1, Base64.getDecoder().decode(p))
                        .equals(new BigInteger(1, expected.get().getEncoded()))) {
                    problems.add("the published key is not the public half of the signing key");
                }
            } catch (IllegalArgumentException e) {
                problems.add("the key record's p= is not base64");
            }
        }
        return problems;
    }
}
