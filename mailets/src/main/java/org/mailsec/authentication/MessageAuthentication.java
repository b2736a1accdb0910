package org.mailsec.authentication;

import java.net.IDN;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.random.RandomGenerator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.mail.MessagingException;
import javax.mail.internet.InternetAddress;
import org.mailsec.dmarc.DmarcLookup;
import org.mailsec.dmarc.DmarcVerifier;
import org.mailsec.dmarc.OrganizationalDomains;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dmarc.DmarcVerifier.AuthResult;

/**
 * What a received message authenticates as: SPF of its MAIL FROM and of its HELO, each DKIM signature, and DMARC over
 * them (RFC 7489 §6.6) for its From domain. Nothing here throws on hostile input: a message that cannot be read gets
 * permerror results.
 */
public final class MessageAuthentication {

    /**
     * The whole verdict.
     *
     * @param mailFrom   SPF of the MAIL FROM (of postmaster@HELO for an empty reverse path): the identity DMARC uses
     * @param helo       SPF of the HELO name, checked when the reverse path is empty
     * @param fromDomain the RFC 5322 From domain, lower case; empty when the message has no single From address
     * @param dmarc      DMARC's verdict; permerror when there is no single From domain (RFC 7489 §6.6.1)
     */
    public record Verdict(SpfVerification.Check mailFrom, Optional<SpfVerification.Check> helo,
                          List<DkimVerification.Signature> dkim,
                          String fromDomain, DmarcVerifier.Result dmarc) {
    }

    private final SpfVerification spf;
    private final DkimVerification dkim;
    private final DmarcVerifier dmarc;
    private final Optional<BudgetedResolver> budget;

    public MessageAuthentication(SpfVerification spf, DkimVerification dkim, DmarcVerifier dmarc) {
        this(spf, dkim, dmarc, Optional.empty());
    }

    private MessageAuthentication(SpfVerification spf, DkimVerification dkim, DmarcVerifier dmarc,
                                  Optional<BudgetedResolver> budget) {
        this.spf = spf;
        this.dkim = dkim;
        this.dmarc = dmarc;
        this.budget = budget;
    }

    /**
     * SPF, DKIM and DMARC over {@code resolver}, each message's lookups within {@code dnsBudget}: past it, what is left
     * to ask is a temporary error (a slow or hostile sender's DNS holds an SMTP thread for one budget, not for the
     * timeout of every name SPF and DKIM may ask).
     */
    public static MessageAuthentication withBudget(DnsResolver resolver, Duration dnsBudget,
                                                   OrganizationalDomains organizationalDomains) {
        BudgetedResolver budgeted = new BudgetedResolver(resolver, dnsBudget, Clock.systemUTC());
        return new MessageAuthentication(new SpfVerification(budgeted), new DkimVerification(budgeted),
            new DmarcVerifier(new DmarcLookup(budgeted, organizationalDomains, DmarcLookup.Discovery.PUBLIC_SUFFIX_LIST),
                organizationalDomains, budgeted, RandomGenerator.getDefault()), Optional.of(budgeted));
    }

    /** Evaluates {@code message} (as received) from {@code client}, which said {@code helo} and {@code mailFrom}. */
    public Verdict evaluate(byte[] message, InetAddress client, String helo, String mailFrom) {
        return evaluate(new RawMessage(message), client, helo, mailFrom);
    }

    /** The same, for a message already read (its header fields are read once, for every check). */
    public Verdict evaluate(RawMessage message, InetAddress client, String helo, String mailFrom) {
        budget.ifPresent(BudgetedResolver::start);
        try {
            return evaluateWithin(message, client, helo, mailFrom);
        } finally {
            budget.ifPresent(BudgetedResolver::end);
        }
    }

    private Verdict evaluateWithin(RawMessage message, InetAddress client, String helo, String mailFrom) {
        // The HELO identity is checked when MAIL FROM is empty (RFC 7208 §2.4: its SPF is then the HELO's, as
        // postmaster@HELO), and recorded as such; otherwise the MAIL FROM's result is DMARC's.
        Optional<SpfVerification.Check> heloCheck = mailFrom.isEmpty() ? Optional.of(spf.helo(client, helo)) : Optional.empty();
        SpfVerification.Check mailFromCheck = heloCheck
            .map(h -> new SpfVerification.Check(SpfVerification.Identity.MAILFROM, h.domain(), h.result(), h.explanation()))
            .orElseGet(() -> spf.mailFrom(client, mailFrom, helo));
        List<DkimVerification.Signature> signatures = dkim.verify(message);
        List<String> fromDomains = fromDomains(message);
        if (fromDomains.isEmpty()) {
            DmarcVerifier.Result none = new DmarcVerifier.Result(DmarcVerifier.Status.PERMERROR, Optional.empty(), "",
                org.mailsec.dmarc.DmarcRecord.Policy.NONE, org.mailsec.dmarc.DmarcRecord.Policy.NONE, false, false,
                Optional.empty(), false, "no From domain");
            return new Verdict(mailFromCheck, heloCheck, signatures, "", none);
        }
        List<DmarcVerifier.DkimResult> dkimResults = signatures.stream()
            .map(s -> new DmarcVerifier.DkimResult(s.domain(), dkimResult(s.result()))).toList();
        DmarcVerifier.SpfResult spfResult = new DmarcVerifier.SpfResult(mailFromCheck.domain(), spfResult(mailFromCheck.result()));
        // RFC 7489 §6.6.1: with several From domains, each is evaluated and the strictest outcome applies (a second From
        // field must not let a message around the first one's policy).
        Verdict strictest = null;
        for (String fromDomain : fromDomains) {
            Verdict v = new Verdict(mailFromCheck, heloCheck, signatures, fromDomain,
                dmarc.verify(fromDomain, dkimResults, spfResult));
            if (strictest == null || severity(v.dmarc()) > severity(strictest.dmarc())) {
                strictest = v;
            }
        }
        return strictest;
    }

    private static int severity(DmarcVerifier.Result result) {
        int status = switch (result.status()) {
            case FAIL -> 4;
            case TEMPERROR -> 3;
            case PERMERROR -> 2;
            case NONE -> 1;
            case PASS -> 0;
        };
        return result.disposition().ordinal() * 10 + status;
    }

    /**
     * The domains of the message's From addresses, in every From field (RFC 7489 §6.6.1), as A-labels; none when there is
     * no From, or no address in it with a valid domain. Header bytes are read as UTF-8 (RFC 6532).
     */
    static List<String> fromDomains(RawMessage message) {
        List<String> domains = new ArrayList<>();
        try {
            for (String field : message.values("From")) {
                String utf8 = new String(field.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
                for (InternetAddress address : InternetAddress.parseHeader(utf8, false)) {
                    domain(address.getAddress()).filter(d -> !domains.contains(d)).ifPresent(domains::add);
                }
            }
        } catch (MessagingException | RuntimeException e) {
            return domains;
        }
        return domains;
    }

    private static Optional<String> domain(String address) {
        if (address == null) {
            return Optional.empty();
        }
        int at = address.lastIndexOf('@');
        String domain = at < 0 ? "" : address.substring(at + 1).trim();
        if (domain.isEmpty() || domain.startsWith("[") || domain.chars().anyMatch(Character::isWhitespace)) {
            return Optional.empty();
        }
        try {
            return Optional.of(IDN.toASCII(domain, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static AuthResult dkimResult(DkimVerification.Result result) {
        return switch (result) {
            case PASS -> AuthResult.PASS;
            case FAIL -> AuthResult.FAIL;
            case NEUTRAL -> AuthResult.NEUTRAL;
            case POLICY -> AuthResult.POLICY;
            case TEMPERROR -> AuthResult.TEMPERROR;
            case PERMERROR -> AuthResult.PERMERROR;
        };
    }

    private static AuthResult spfResult(SpfVerification.Result result) {
        return switch (result) {
            case PASS -> AuthResult.PASS;
            case FAIL -> AuthResult.FAIL;
            case SOFTFAIL -> AuthResult.SOFTFAIL;
            case NEUTRAL -> AuthResult.NEUTRAL;
            case NONE -> AuthResult.NONE;
            case TEMPERROR -> AuthResult.TEMPERROR;
            case PERMERROR -> AuthResult.PERMERROR;
        };
    }
}
