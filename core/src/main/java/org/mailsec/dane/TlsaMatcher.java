package org.mailsec.dane;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.mailsec.dns.TlsaRecord;

/** TLSA record handling for SMTP (RFC 7672): which records are usable, and whether one matches a certificate. */
public final class TlsaMatcher {

    public static final int DANE_TA = 2;
    public static final int DANE_EE = 3;

    private TlsaMatcher() {
    }

    /**
     * Whether SMTP can use the record (RFC 7672 §3.1): usage DANE-TA(2) or DANE-EE(3) (PKIX-TA/PKIX-EE are
     * unusable for SMTP, §3.1.3), selector Cert(0) or SPKI(1), matching type Full(0), SHA2-256(1) or
     * SHA2-512(2) with a digest of the right length.
     */
    public static boolean usable(TlsaRecord r) {
        if (r.usage() != DANE_TA && r.usage() != DANE_EE || r.selector() > 1) {
            return false;
        }
        return switch (r.matchingType()) {
            case 0 -> r.data().length > 0;
            case 1 -> r.data().length == 32;
            case 2 -> r.data().length == 64;
            default -> false;
        };
    }

    public static List<TlsaRecord> usableRecords(List<TlsaRecord> records) {
        return records.stream().filter(TlsaMatcher::usable).toList();
    }

    /** Whether the record's association data matches the certificate (selector and matching type applied). */
    public static boolean matches(TlsaRecord r, X509Certificate certificate) {
        try {
            byte[] selected = r.selector() == 0 ? certificate.getEncoded() : certificate.getPublicKey().getEncoded();
            return matchesSelected(r, selected);
        } catch (CertificateEncodingException e) {
            return false;
        }
    }

    /** Whether the record matches already selected bytes (a certificate's DER or an SPKI). */
    static boolean matchesSelected(TlsaRecord r, byte[] selected) {
        byte[] expected = r.data();
        byte[] actual = switch (r.matchingType()) {
            case 0 -> selected;
            case 1 -> digest("SHA-256", selected);
            case 2 -> digest("SHA-512", selected);
            default -> null;
        };
        return actual != null && MessageDigest.isEqual(actual, expected);
    }

    /** The DANE-EE record {@code 3 1 1} of a key: usage 3, its SubjectPublicKeyInfo, SHA-256 (RFC 7671 §5.1). */
    public static TlsaRecord daneEe(java.security.PublicKey key) {
        return new TlsaRecord(DANE_EE, 1, 1, digest("SHA-256", key.getEncoded()));
    }

    private static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " missing from the JVM", e);
        }
    }

    /** Parses presentation format: {@code 3 1 1 0A1B...} (hex may contain spaces). */
    public static TlsaRecord parse(String text) {
        String[] parts = text.strip().split("\\s+", 4);
        if (parts.length < 4) {
            throw new IllegalArgumentException("TLSA record needs usage, selector, matching type and data: '" + text + "'");
        }
        try {
            int usage = Integer.parseInt(parts[0]);
            int selector = Integer.parseInt(parts[1]);
            int matching = Integer.parseInt(parts[2]);
            if (usage < 0 || usage > 255 || selector < 0 || selector > 255 || matching < 0 || matching > 255) {
                throw new IllegalArgumentException("TLSA fields must be 0-255: '" + text + "'");
            }
            byte[] data = HexFormat.of().parseHex(parts[3].replaceAll("\\s", "").toLowerCase(Locale.ROOT));
            return new TlsaRecord(usage, selector, matching, data);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid TLSA record '" + text + "': " + e.getMessage(), e);
        }
    }

    /** Presentation format with upper-case hex, as reports commonly show it. */
    public static String format(TlsaRecord r) {
        return r.usage() + " " + r.selector() + " " + r.matchingType() + " "
            + HexFormat.of().withUpperCase().formatHex(r.data());
    }
}
