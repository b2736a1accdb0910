package org.mailsec.dane;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.mailsec.dns.TlsaRecord;
import org.mailsec.tlsrpt.ResultType;

/**
 * Verifies a presented certificate chain against a DNSSEC-validated TLSA RRset (RFC 7672 §3):
 * DANE-EE matches the leaf only, ignoring names and dates; DANE-TA needs a chain from the leaf to a
 * matching trust anchor (in the chain, or given as a bare public key), valid dates and a leaf name
 * matching the reference identifiers.
 */
public final class DaneVerifier {

    private static final int MAX_CHAIN = 10;

    private DaneVerifier() {
    }

    /**
     * What matched: the record and how deep in the chain (0 = the leaf), counted as OpenSSL does for anchors
     * published in DNS: a full certificate one above the chain's top, a bare key at the top it signed.
     */
    public record Match(TlsaRecord record, int depth) {
    }

    /**
     * @param presented      the chain as the server sent it, leaf first (order of the rest not trusted)
     * @param records        the TLSA RRset (unusable records are skipped)
     * @param referenceNames names the leaf must carry for DANE-TA (the MX host, the TLSA base domain)
     * @param checkNames     false only where the caller has no name to check (test vectors)
     */
    public static Match verify(List<X509Certificate> presented, List<TlsaRecord> records,
                               Collection<String> referenceNames, boolean checkNames, Instant now)
            throws TlsVerificationException {
        List<TlsaRecord> usable = TlsaMatcher.usableRecords(records);
        if (usable.isEmpty()) {
            throw new TlsVerificationException(ResultType.TLSA_INVALID, "tlsa-unusable",
                "none of the " + records.size() + " TLSA records is usable for SMTP");
        }
        if (presented.isEmpty()) {
            throw new TlsVerificationException(ResultType.VALIDATION_FAILURE, "no-certificate", "server sent no certificate");
        }
        X509Certificate leaf = presented.get(0);
        for (TlsaRecord r : usable) {
            if (r.usage() == TlsaMatcher.DANE_EE && TlsaMatcher.matches(r, leaf)) {
                return new Match(r, 0);
            }
        }
        List<TlsaRecord> anchors = usable.stream().filter(r -> r.usage() == TlsaMatcher.DANE_TA).toList();
        if (anchors.isEmpty()) {
            throw new TlsVerificationException(ResultType.VALIDATION_FAILURE, "tlsa-mismatch",
                "no DANE-EE record matches the server certificate");
        }
        Optional<Match> taMatch = chainToAnchor(presented, anchors);
        if (taMatch.isEmpty()) {
            throw new TlsVerificationException(ResultType.VALIDATION_FAILURE, "tlsa-mismatch",
                "no TLSA record matches the server certificate or a trust anchor of its chain");
        }
        Match match = taMatch.get();
        List<X509Certificate> fullPath = path(presented);
        for (X509Certificate c : fullPath.subList(0, Math.min(match.depth() + 1, fullPath.size()))) {
            try {
                c.checkValidity(Date.from(now));
            } catch (CertificateExpiredException e) {
                throw new TlsVerificationException(ResultType.CERTIFICATE_EXPIRED, "expired",
                    "certificate " + c.getSubjectX500Principal().getName() + " has expired");
            } catch (CertificateNotYetValidException e) {
                throw new TlsVerificationException(ResultType.CERTIFICATE_EXPIRED, "not-yet-valid",
                    "certificate " + c.getSubjectX500Principal().getName() + " is not valid yet");
            }
        }
        if (checkNames && !HostnameMatcher.matchesAny(leaf, referenceNames)) {
            throw new TlsVerificationException(ResultType.CERTIFICATE_HOST_MISMATCH, "name-mismatch",
                "certificate names " + HostnameMatcher.dnsNames(leaf) + " do not match " + referenceNames);
        }
        return match;
    }

    /** The issuance path from the leaf upward, built from the presented certificates by signature. */
    static List<X509Certificate> path(List<X509Certificate> presented) {
        List<X509Certificate> path = new ArrayList<>();
        List<X509Certificate> pool = new ArrayList<>(presented.subList(1, presented.size()));
        X509Certificate current = presented.get(0);
        path.add(current);
        while (path.size() < MAX_CHAIN) {
            X509Certificate issuer = null;
            for (X509Certificate candidate : pool) {
                if (candidate.getSubjectX500Principal().equals(current.getIssuerX500Principal())
                        && isCa(candidate) && signedBy(current, candidate.getPublicKey())) {
                    issuer = candidate;
                    break;
                }
            }
            if (issuer == null || issuer.equals(current)) {
                break;
            }
            pool.remove(issuer);
            path.add(issuer);
            current = issuer;
        }
        return path;
    }

    private static Optional<Match> chainToAnchor(List<X509Certificate> presented, List<TlsaRecord> anchors) {
        List<X509Certificate> path = path(presented);
        for (int depth = 0; depth < path.size(); depth++) {
            for (TlsaRecord r : anchors) {
                if (TlsaMatcher.matches(r, path.get(depth))) {
                    return Optional.of(new Match(r, depth));
                }
            }
        }
        // A DANE-TA record may carry the whole anchor, absent from the chain (RFC 7671 §5.2.2): a full
        // certificate counts as one more link above the chain, a bare key as the signer of its top.
        X509Certificate top = path.get(path.size() - 1);
        for (TlsaRecord r : anchors) {
            if (r.matchingType() != 0) {
                continue;
            }
            Optional<PublicKey> key = r.selector() == 1 ? publicKey(r.data()) : certificate(r.data()).map(X509Certificate::getPublicKey);
            if (key.isPresent() && signedBy(top, key.get())) {
                return Optional.of(new Match(r, r.selector() == 1 ? path.size() - 1 : path.size()));
            }
        }
        return Optional.empty();
    }

    private static Optional<X509Certificate> certificate(byte[] der) {
        try {
            return Optional.of((X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der)));
        } catch (GeneralSecurityException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static boolean isCa(X509Certificate c) {
        return c.getBasicConstraints() >= 0 || c.getVersion() < 3;
    }

    private static boolean signedBy(X509Certificate c, PublicKey key) {
        try {
            c.verify(key);
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static Optional<PublicKey> publicKey(byte[] spki) {
        for (String algorithm : new String[] {"EC", "RSA", "Ed25519", "Ed448", "DSA"}) {
            try {
                return Optional.of(KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(spki)));
            } catch (GeneralSecurityException | RuntimeException e) {
                // try the next algorithm
            }
        }
        return Optional.empty();
    }
}
