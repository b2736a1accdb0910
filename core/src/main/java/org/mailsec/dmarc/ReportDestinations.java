package org.mailsec.dmarc;

import java.net.IDN;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dns.DnssecStatus;
import org.mailsec.dns.InvalidNameException;

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
        /** Send here: the URI given, or the destination's own replacements on the same host. */
        record Use(List<DmarcRecord.ReportUri> uris, boolean external) implements Decision {
            public Use {
                uris = List.copyOf(uris);
            }

            public Use(DmarcRecord.ReportUri uri, boolean external) {
                this(List.of(uri), external);
            }
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
            return new Decision.Refuse(uri.uri() + ": no domain in the address that DNS can hold");
        }
        Optional<String> policy = aLabel(policyDomain);
        if (policy.isEmpty()) {
            return new Decision.Refuse(uri.uri() + ": policy domain " + policyDomain + " has no A-label form");
        }
        String destination = host.get();
        if (organizationalDomains.organizationalDomain(destination).equals(organizationalDomains.organizationalDomain(policy.get()))) {
            return new Decision.Use(uri, false);
        }
        // Step 3: the policy domain as an A-label, then "_report._dmarc", then the destination host.
        String name = policy.get() + "._report._dmarc." + destination;
        if (name.length() > 253) {
            // Step 4: a name DNS cannot hold cannot confirm anything.
            return new Decision.Refuse(uri.uri() + ": " + name + " is longer than DNS allows");
        }
        DnsAnswer<String> answer;
        try {
            answer = resolver.txt(name);
        } catch (InvalidNameException e) {
            return new Decision.Refuse(uri.uri() + ": " + name + " is not a name DNS can hold");
        } catch (DnsException e) {
            return new Decision.Later(uri.uri() + ": DNS lookup of " + name + " failed: " + e.getMessage());
        }
        if (answer.status() == DnssecStatus.BOGUS) {
            return new Decision.Later(uri.uri() + ": DNSSEC validation of " + name + " failed: "
                + answer.bogusReason().orElse("bogus"));
        }
        List<String> records = answer.records().stream().filter(ReportDestinations::startsWithVersion).toList();
        if (records.isEmpty()) {
            // Step 7.
            return new Decision.Refuse(uri.uri() + " is external and " + name + " does not authorize it");
        }
        // Step 9, over every record that authorizes (step 8): a replacement on another host (or not mailto) means
        // neither the original nor the replacement is used; replacements on the same host are used instead of it.
        List<DmarcRecord.ReportUri> replacements = new java.util.ArrayList<>();
        for (String record : records) {
            Optional<String> rua = tag(record, "rua");
            if (rua.isEmpty()) {
                continue;
            }
            for (DmarcRecord.ReportUri r : DmarcRecord.reportUris("rua", rua.get())) {
                if (!"mailto".equalsIgnoreCase(r.uri().getScheme()) || !host(r).map(destination::equals).orElse(false)) {
                    return new Decision.Refuse(uri.uri() + ": " + name + " redirects to " + r.uri() + ", not on " + destination);
                }
                replacements.add(r);
            }
        }
        return replacements.isEmpty() ? new Decision.Use(uri, true) : new Decision.Use(replacements, true);
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
        return aLabel(first.substring(at + 1));
    }

    /** A domain as DNS asks for it: A-labels (an IDN mailto host or policy domain), lower case, no final dot. */
    static Optional<String> aLabel(String domain) {
        String d = domain.strip();
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (d.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(IDN.toASCII(d, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

}
