package org.mailsec.dane;

import java.net.IDN;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Checks a certificate's names against reference identifiers (RFC 6125 as profiled by RFC 7672 §3.2.3
 * and RFC 8461 §4.2): DNS subjectAltNames, or the CN only when there is none; a wildcard only as the
 * whole leftmost label, matching exactly one label.
 */
public final class HostnameMatcher {

    private HostnameMatcher() {
    }

    public static boolean matchesAny(X509Certificate certificate, Collection<String> referenceNames) {
        List<String> presented = dnsNames(certificate);
        for (String reference : referenceNames) {
            String ref = normalise(reference);
            for (String name : presented) {
                if (matches(normalise(name), ref)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** DNS subjectAltNames, or the subject CN when the certificate has none. */
    public static List<String> dnsNames(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && Integer.valueOf(2).equals(san.get(0))) {
                        names.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return names;
        }
        if (names.isEmpty()) {
            try {
                for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                    if (rdn.getType().equalsIgnoreCase("CN")) {
                        names.add(String.valueOf(rdn.getValue()));
                    }
                }
            } catch (InvalidNameException e) {
                return names;
            }
        }
        return names;
    }

    static boolean matches(String presented, String reference) {
        if (presented.startsWith("*.")) {
            int dot = reference.indexOf('.');
            return dot > 0 && reference.substring(dot + 1).equals(presented.substring(2))
                && presented.substring(2).contains(".");
        }
        return !presented.contains("*") && presented.equals(reference);
    }

    private static String normalise(String name) {
        String n = org.mailsec.dns.DomainNames.normalise(name);
        try {
            return IDN.toASCII(n, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return n;
        }
    }
}
