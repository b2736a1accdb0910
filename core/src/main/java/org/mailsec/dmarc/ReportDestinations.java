package org.mailsec.dmarc;

import java.net.IDN;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.mailsec.dns.DnsResolver;
import org.mailsec.record.RecordException;
import org.mailsec.record.TxtRecordLookup;

/**
 * Whether an aggregate report may go to a {@code rua} URI (RFC 9990 §4 "Verifying External Destinations", RFC 7489
 * §7.1): a destination whose organizational domain is the policy domain's is the domain owner's own; any other must
 * say it takes the policy domain's reports with a {@code v=DMARC1} record at
 * {@code <policy domain>._report._dmarc.<destination host>} — the exact policy domain, not its organizational domain.
 * That record may name a replacement rua on the same host; one on another host means neither is used.
 */
public final class ReportDestinations {

    /** The decision about one URI. */
    public sealed interface Decision {
        /** Send here (the URI given, or the destination's own replacement on the same host). */
        record Use(DmarcRecord.ReportUri uri, boolean external) implements Decision {
        }

        /** Never send here; {@code why} is for logs and the report's error element. */
        record Refuse(String why) implements Decision {
        }

        /** DNS could not say: try again in a later run (RFC 9990 §4 step 5). */
        record Later(String why) implements Decision {
        }
    }

    private final DnsResolver resolver;
    private final OrganizationalDomains organizationalDomains;

    public ReportDestinations(DnsResolver resolver, OrganizationalDomains organizationalDomains) {
        this.resolver = resolver;
        this.organizationalDomains = organizationalDomains;
    }

    /** Each URI of {@code rua} (in order), decided for reports about {@code policyDomain}. */
    public List<Decision> decide(String policyDomain, List<DmarcRecord.ReportUri> rua) {
        return rua.stream().map(uri -> decide(policyDomain, uri)).toList();
    }

    public Decision decide(String policyDomain, DmarcRecord.ReportUri uri) {
        if (!"mailto".equalsIgnoreCase(uri.uri().getScheme())) {
            // RFC 7489 §6.2 makes mailto the one scheme every receiver supports; mailsec sends no other.
            return new Decision.Refuse(uri.uri() + ": only mailto: report URIs are sent to");
        }
        Optional<String> host = host(uri);
        if (host.isEmpty()) {
            return new Decision.Refuse(uri.uri() + ": no domain in the address");
        }
        String destination = host.get();
        if (organizationalDomains.organizationalDomain(destination).equals(organizationalDomains.organizationalDomain(policyDomain))) {
            return new Decision.Use(uri, false);
        }
        String name;
        try {
            name = IDN.toASCII(policyDomain, IDN.ALLOW_UNASSIGNED) + "._report._dmarc." + destination;
        } catch (IllegalArgumentException e) {
            return new Decision.Refuse(uri.uri() + ": policy domain " + policyDomain + " has no A-label form");
        }
        if (name.length() > 253) {
            // Step 4: a name DNS cannot hold cannot confirm anything.
            return new Decision.Refuse(uri.uri() + ": " + name + " is longer than DNS allows");
        }
        String txt;
        try {
            txt = TxtRecordLookup.find(resolver, name, ReportDestinations::startsWithVersion, "DMARC report authorization");
        } catch (RecordException e) {
            return switch (e.kind()) {
                case TEMPORARY_DNS -> new Decision.Later(uri.uri() + ": " + e.getMessage());
                // Step 8: at least one record authorizes; with several, none of them may replace the URI.
                case MULTIPLE_RECORDS -> new Decision.Use(uri, true);
                default -> new Decision.Refuse(uri.uri() + " is external and " + name + " does not authorize it");
            };
        }
        Optional<String> replacement = tag(txt, "rua");
        if (replacement.isEmpty()) {
            return new Decision.Use(uri, true);
        }
        List<DmarcRecord.ReportUri> replacements = DmarcRecord.reportUris("rua", replacement.get());
        for (DmarcRecord.ReportUri r : replacements) {
            if (!host(r).map(destination::equals).orElse(false)) {
                // Step 9 and after: a replacement on another host means neither is used (against loops and abuse).
                return new Decision.Refuse(uri.uri() + ": " + name + " redirects to " + r.uri() + " on another host");
            }
        }
        return replacements.isEmpty() ? new Decision.Use(uri, true) : new Decision.Use(replacements.get(0), true);
    }

    /** Step 6: {@code v=DMARC1} first, as tag=value pairs; a trailing ';' optional. */
    static boolean startsWithVersion(String txt) {
        String first = txt.split(";", 2)[0];
        int eq = first.indexOf('=');
        return eq > 0 && first.substring(0, eq).strip().equals("v") && first.substring(eq + 1).strip().equals("DMARC1");
    }

    private static Optional<String> tag(String txt, String name) {
        for (String part : txt.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).strip().equalsIgnoreCase(name)) {
                return Optional.of(part.substring(eq + 1).strip());
            }
        }
        return Optional.empty();
    }

    /** The domain of a mailto URI's (first) address, lower case, no final dot. */
    static Optional<String> host(DmarcRecord.ReportUri uri) {
        String address = uri.address();
        int comma = address.indexOf(',');
        String first = comma >= 0 ? address.substring(0, comma) : address;
        int at = first.lastIndexOf('@');
        if (at < 0 || at == first.length() - 1) {
            return Optional.empty();
        }
        String domain = first.substring(at + 1).strip().toLowerCase(Locale.ROOT);
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        return domain.isEmpty() ? Optional.empty() : Optional.of(domain);
    }

}
