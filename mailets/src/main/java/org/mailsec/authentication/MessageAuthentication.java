package org.mailsec.authentication;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.mail.MessagingException;
import javax.mail.internet.AddressException;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.InternetHeaders;
import org.mailsec.dmarc.DmarcVerifier;
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
     * @param helo       SPF of the HELO name
     * @param fromDomain the RFC 5322 From domain, lower case; empty when the message has no single From address
     * @param dmarc      DMARC's verdict; permerror when there is no single From domain (RFC 7489 §6.6.1)
     */
    public record Verdict(SpfVerification.Check mailFrom, SpfVerification.Check helo, List<DkimVerification.Signature> dkim,
                          String fromDomain, DmarcVerifier.Result dmarc) {
    }

    private final SpfVerification spf;
    private final DkimVerification dkim;
    private final DmarcVerifier dmarc;

    public MessageAuthentication(SpfVerification spf, DkimVerification dkim, DmarcVerifier dmarc) {
        this.spf = spf;
        this.dkim = dkim;
        this.dmarc = dmarc;
    }

    /** Evaluates {@code message} (as received) from {@code client}, which said {@code helo} and {@code mailFrom}. */
    public Verdict evaluate(byte[] message, InetAddress client, String helo, String mailFrom) {
        SpfVerification.Check heloCheck = spf.helo(client, helo);
        SpfVerification.Check mailFromCheck = mailFrom.isEmpty()
            ? new SpfVerification.Check(SpfVerification.Identity.MAILFROM, heloCheck.domain(), heloCheck.result(),
                heloCheck.explanation())
            : spf.mailFrom(client, mailFrom, helo);
        List<DkimVerification.Signature> signatures = dkim.verify(message);
        Optional<String> fromDomain = fromDomain(message);
        if (fromDomain.isEmpty()) {
            DmarcVerifier.Result none = new DmarcVerifier.Result(DmarcVerifier.Status.PERMERROR, Optional.empty(), "",
                org.mailsec.dmarc.DmarcRecord.Policy.NONE, org.mailsec.dmarc.DmarcRecord.Policy.NONE, false, false,
                Optional.empty(), false, "no single From address");
            return new Verdict(mailFromCheck, heloCheck, signatures, "", none);
        }
        List<DmarcVerifier.DkimResult> dkimResults = signatures.stream()
            .map(s -> new DmarcVerifier.DkimResult(s.domain(), dkimResult(s.result()))).toList();
        DmarcVerifier.Result verdict = dmarc.verify(fromDomain.get(), dkimResults,
            new DmarcVerifier.SpfResult(mailFromCheck.domain(), spfResult(mailFromCheck.result())));
        return new Verdict(mailFromCheck, heloCheck, signatures, fromDomain.get(), verdict);
    }

    /** The domain of the message's one From address (RFC 7489 §6.6.1); empty for none, several, or unreadable. */
    static Optional<String> fromDomain(byte[] message) {
        try {
            String[] from = new InternetHeaders(new ByteArrayInputStream(message)).getHeader("From");
            if (from == null || from.length != 1) {
                return Optional.empty();
            }
            InternetAddress[] addresses = InternetAddress.parseHeader(from[0], false);
            if (addresses.length != 1 || addresses[0].getAddress() == null) {
                return Optional.empty();
            }
            String address = addresses[0].getAddress();
            int at = address.lastIndexOf('@');
            String domain = at < 0 ? "" : address.substring(at + 1).trim().toLowerCase(Locale.ROOT);
            return domain.isEmpty() || domain.startsWith("[") ? Optional.empty() : Optional.of(domain);
        } catch (AddressException e) {
            return Optional.empty();
        } catch (MessagingException | RuntimeException e) {
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
