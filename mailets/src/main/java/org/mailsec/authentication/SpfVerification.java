package org.mailsec.authentication;

import java.net.InetAddress;
import java.util.Locale;
import org.apache.james.jspf.core.DNSService;
import org.apache.james.jspf.core.DNSServiceEnabled;
import org.apache.james.jspf.core.MacroExpand;
import org.apache.james.jspf.core.MacroExpandEnabled;
import org.apache.james.jspf.core.SPFCheckEnabled;
import org.apache.james.jspf.executor.SPFResult;
import org.apache.james.jspf.executor.SynchronousSPFExecutor;
import org.apache.james.jspf.impl.DefaultTermsFactory;
import org.apache.james.jspf.impl.SPF;
import org.apache.james.jspf.parser.RFC4408SPF1Parser;
import org.apache.james.jspf.wiring.WiringServiceTable;
import org.mailsec.dns.DnsResolver;

/**
 * SPF (RFC 7208) of one identity — the MAIL FROM, or the HELO name — with James's jSPF, whose DNS goes through
 * mailsec's resolver. jSPF counts the ten DNS-querying terms (§4.6.4); the two void lookups (§4.6.4) are counted
 * here. A lookup that fails is a temperror, never a "none" (§2.6.6), and a bogus DNSSEC answer fails as a lookup.
 */
public final class SpfVerification {

    /** RFC 7208 §2.6 results. */
    public enum Result { PASS, FAIL, SOFTFAIL, NEUTRAL, NONE, TEMPERROR, PERMERROR;

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Result of(String jspf) {
            try {
                return valueOf(jspf == null ? "PERMERROR" : jspf.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return PERMERROR;
            }
        }
    }

    /** The identity an SPF result is for (RFC 8601 {@code smtp.mailfrom} or {@code smtp.helo}). */
    public enum Identity { MAILFROM, HELO }

    /**
     * One SPF check.
     *
     * @param domain      the domain checked: the MAIL FROM's, or the HELO name
     * @param explanation jSPF's explanation of a fail, or why the check could not be made
     */
    public record Check(Identity identity, String domain, Result result, String explanation) {
    }

    /** RFC 7208 §4.6.4: more than two lookups returning nothing is a permerror. */
    static final int MAX_VOID_LOOKUPS = 2;

    private final SpfDns dns;
    private final SPF spf;

    public SpfVerification(DnsResolver resolver) {
        this.dns = new SpfDns(resolver);
        this.spf = newSpf(dns);
    }

    /** SPF of the MAIL FROM address (RFC 7208 §2.4); an empty reverse path is checked as postmaster@HELO. */
    public Check mailFrom(InetAddress client, String mailFrom, String helo) {
        String sender = mailFrom.isEmpty() ? "postmaster@" + helo : mailFrom;
        String domain = sender.substring(sender.lastIndexOf('@') + 1);
        return check(Identity.MAILFROM, domain, client, sender, helo);
    }

    /** SPF of the HELO name (RFC 7208 §2.3), as postmaster@HELO. */
    public Check helo(InetAddress client, String helo) {
        return check(Identity.HELO, helo, client, "postmaster@" + helo, helo);
    }

    private Check check(Identity identity, String domain, InetAddress client, String sender, String helo) {
        if (domain.isBlank() || domain.startsWith("[")) {
            // An address literal or nothing: there is no domain to ask (§2.3, §4.3).
            return new Check(identity, domain, Result.NONE, "no domain to check");
        }
        SPFResult result;
        try {
            dns.startCheck();
            result = spf.checkSPF(client.getHostAddress(), sender, helo);
        } catch (RuntimeException e) {
            return new Check(identity, domain, Result.PERMERROR, "unreadable SPF: " + e.getClass().getSimpleName());
        }
        if (dns.voidLookups() > MAX_VOID_LOOKUPS) {
            return new Check(identity, domain, Result.PERMERROR, "more than " + MAX_VOID_LOOKUPS + " void lookups");
        }
        return new Check(identity, domain, Result.of(result.getResult()), String.valueOf(result.getExplanation()));
    }

    /**
     * jSPF wired as its {@code SPF(DNSService)} constructor wires it, but with the synchronous executor: the
     * asynchronous one of jSPF 1.0.3 drops the follow-up lookup of a DNS answer (the TXT query after the SPF-type one),
     * so every domain would read as having no record. The check runs on the SMTP thread that waits for it anyway.
     */
    private static SPF newSpf(DNSService dns) {
        WiringServiceTable wiring = new WiringServiceTable();
        MacroExpand macroExpand = new MacroExpand(dns);
        SPF spf = new SPF(dns, new RFC4408SPF1Parser(new DefaultTermsFactory(wiring)), macroExpand,
            new SynchronousSPFExecutor(dns));
        wiring.put(DNSServiceEnabled.class, dns);
        wiring.put(MacroExpandEnabled.class, macroExpand);
        wiring.put(SPFCheckEnabled.class, spf);
        spf.setUseBestGuess(false);
        return spf;
    }
}
