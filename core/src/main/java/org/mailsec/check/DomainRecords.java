package org.mailsec.check;

import java.net.InetAddress;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dns.MxRecord;
import org.mailsec.mtasts.HostedPolicy;
import org.mailsec.net.AddressPolicy;
import org.mailsec.tlsrpt.ReportSigningKey;

/**
 * The DNS records one of our domains should publish, as zone-file lines (comments start with {@code ;}): MTA-STS
 * ({@code _mta-sts} with the id of the policy we serve, and the policy itself), TLSRPT for the domain and for each
 * MX host under it, TLSA {@code 3 1 1} of the key each MX host presents now (probed) and of the configured next key
 * (RFC 7671 §8.1: both published before a key change), DMARC with our report address, SPF, and the DKIM key of our
 * reports where the domain signs them.
 */
public final class DomainRecords {

    /** RFC 1035 §3.3.14 character-strings are at most 255 octets: longer TXT data is split into several. */
    private static final int TXT_STRING = 255;

    /**
     * @param smtpPort             where MX hosts listen (the TLSA owner's port)
     * @param probe                connects to each MX host to read its current key; empty: a placeholder instead
     * @param nextKey              the key MX hosts will present next, if the operator set one
     * @param dmarcReportAddresses our DMARC report addresses (the first goes in rua)
     * @param reportKey            the DKIM key of our reports, for its domain only
     */
    public record Settings(int smtpPort, Optional<StartTlsProbe> probe, AddressPolicy probeAddresses,
                           Optional<PublicKey> nextKey, List<String> dmarcReportAddresses,
                           Optional<DomainCheck.ReportKey> reportKey) {
        public Settings {
            dmarcReportAddresses = List.copyOf(dmarcReportAddresses);
        }
    }

    private final DnsResolver resolver;
    private final Settings settings;

    public DomainRecords(DnsResolver resolver, Settings settings) {
        this.resolver = resolver;
        this.settings = settings;
    }

    /**
     * @param policy the MTA-STS policy of the domain
     * @param hosted whether mailsec's HTTPS listener serves it
     */
    public List<String> of(String domain, HostedPolicy policy, boolean hosted) {
        List<String> lines = new ArrayList<>();
        List<String> mx = mxHosts(domain, lines);
        String tlsrpt = txt("v=TLSRPTv1; rua=mailto:tlsrpt@" + domain);

        lines.add("; MTA-STS (RFC 8461): the id changes whenever the policy does");
        lines.add(policy.record(domain));
        lines.add("; https://mta-sts." + domain + "/.well-known/mta-sts.txt, " + (hosted
            ? "served by mailsec's HTTPS listener: mta-sts." + domain + " must resolve to it, port 443"
            : "to be served on port 443 (or set mailsec.mtasts.hosting.enabled=true):"));
        policy.policy().lines().forEach(l -> lines.add(";   " + l));

        lines.add("; TLS reporting (RFC 8460): for the domain, and for each MX host of ours (DANE reports go there)");
        lines.add("_smtp._tls." + domain + ". IN TXT " + tlsrpt);
        for (String host : mx) {
            if (host.endsWith("." + domain)) {
                lines.add("_smtp._tls." + host + ". IN TXT " + tlsrpt);
            }
        }

        lines.add("; DANE (RFC 7672), in a DNSSEC-signed zone: the key each MX host presents now"
            + (settings.nextKey().isPresent() ? ", and the next one (publish both before changing keys)" : ""));
        for (String host : mx) {
            if (!host.equals(domain) && !host.endsWith("." + domain)) {
                lines.add("; " + host + " is not in this zone: its own zone has its TLSA records");
                continue;
            }
            String owner = "_" + settings.smtpPort() + "._tcp." + host + ". IN TLSA 3 1 1 ";
            Optional<PublicKey> current = currentKey(host);
            lines.add(current.map(k -> owner + DomainCheck.spkiSha256(k))
                .orElse("; " + owner + "<SHA-256 of the public key of " + host + "'s certificate: no STARTTLS answer now>"));
            settings.nextKey().filter(next -> current.isEmpty() || !next.equals(current.get()))
                .ifPresent(next -> lines.add(owner + DomainCheck.spkiSha256(next)));
        }

        String rua = settings.dmarcReportAddresses().isEmpty() ? "dmarc-reports@" + domain
            : settings.dmarcReportAddresses().get(0);
        lines.add("; DMARC (RFC 7489): start at p=none, then quarantine or reject once the reports are clean");
        lines.add("_dmarc." + domain + ". IN TXT " + txt("v=DMARC1; p=none; rua=mailto:" + rua));
        lines.add("; SPF (RFC 7208): the MX hosts send the domain's mail");
        lines.add(domain + ". IN TXT " + txt("v=spf1 mx -all"));
        settings.reportKey().filter(k -> k.domain().equals(domain)).ifPresent(k -> {
            lines.add("; the DKIM key receivers verify our TLS and DMARC reports with (RFC 8460 §3: s=tlsrpt)");
            lines.add(k.key().map(key -> k.name() + ". IN TXT " + txt(ReportSigningKey.record(key)))
                .orElse("; " + k.name() + ". IN TXT \"v=DKIM1; k=rsa; s=tlsrpt; p=<public key of mailsec.reports.dkim.key>\""));
        });
        return lines;
    }

    private List<String> mxHosts(String domain, List<String> lines) {
        try {
            DnsAnswer<MxRecord> answer = resolver.mx(domain);
            if (answer.status() == org.mailsec.dns.DnssecStatus.BOGUS || answer.nxdomain()) {
                lines.add("; the MX records of " + domain + (answer.nxdomain() ? " do not exist (NXDOMAIN)"
                    : " fail DNSSEC validation") + ": no per-host records");
                return List.of();
            }
            if (answer.isEmpty()) {
                lines.add("; " + domain + " has no MX records: mail goes to its own addresses");
                return List.of(domain);
            }
            return answer.records().stream().map(MxRecord::host).filter(h -> !h.isEmpty()).distinct().toList();
        } catch (DnsException e) {
            lines.add("; the MX lookup of " + domain + " failed (" + e.getMessage() + "): no per-host records");
            return List.of();
        }
    }

    private Optional<PublicKey> currentKey(String host) {
        if (settings.probe().isEmpty()) {
            return Optional.empty();
        }
        for (boolean v6 : new boolean[] {false, true}) {
            try {
                DnsAnswer<InetAddress> answer = v6 ? resolver.aaaa(host) : resolver.a(host);
                for (InetAddress address : answer.records()) {
                    if (settings.probeAddresses().refusal(address).isEmpty()) {
                        StartTlsProbe.Result result = settings.probe().get().probe(host, address);
                        if (!result.chain().isEmpty()) {
                            return Optional.of(result.chain().get(0).getPublicKey());
                        }
                    }
                }
            } catch (DnsException e) {
                // The other family, or the placeholder.
            }
        }
        return Optional.empty();
    }

    /**
     * A public key from PEM text: a certificate ({@code BEGIN CERTIFICATE}) or a SubjectPublicKeyInfo
     * ({@code BEGIN PUBLIC KEY}) of an RSA or EC key.
     */
    public static PublicKey readKey(String pem) throws java.security.GeneralSecurityException {
        if (pem.contains("BEGIN CERTIFICATE")) {
            return java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                .getPublicKey();
        }
        int begin = pem.indexOf("-----BEGIN PUBLIC KEY-----");
        int end = pem.indexOf("-----END PUBLIC KEY-----");
        if (begin < 0 || end < begin) {
            throw new java.security.GeneralSecurityException("neither a PEM certificate nor a PEM public key");
        }
        byte[] der;
        try {
            der = java.util.Base64.getMimeDecoder().decode(pem.substring(begin + 26, end));
        } catch (IllegalArgumentException e) {
            throw new java.security.GeneralSecurityException("the PEM public key is not base64", e);
        }
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return java.security.KeyFactory.getInstance(algorithm).generatePublic(new java.security.spec.X509EncodedKeySpec(der));
            } catch (java.security.spec.InvalidKeySpecException e) {
                // The other algorithm.
            }
        }
        throw new java.security.GeneralSecurityException("the PEM public key is neither RSA nor EC");
    }

    /**
     * TXT data as zone-file character-strings (RFC 1035 §5.1): quoted, {@code "} and {@code \\} escaped, at most 255
     * octets of data each (counted in UTF-8, never splitting a character).
     */
    static String txt(String data) {
        StringBuilder out = new StringBuilder();
        StringBuilder piece = new StringBuilder();
        int octets = 0;
        for (int i = 0; i < data.length(); ) {
            int c = data.codePointAt(i);
            String ch = new String(Character.toChars(c));
            int size = ch.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (octets + size > TXT_STRING) {
                out.append(out.isEmpty() ? "" : " ").append('"').append(piece).append('"');
                piece.setLength(0);
                octets = 0;
            }
            piece.append(c == '"' || c == '\\' ? "\\" + ch : ch);
            octets += size;
            i += Character.charCount(c);
        }
        return out.append(out.isEmpty() ? "" : " ").append('"').append(piece).append('"').toString();
    }
}
