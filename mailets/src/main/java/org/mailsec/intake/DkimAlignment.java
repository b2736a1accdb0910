package org.mailsec.intake;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.mail.internet.AddressException;
import javax.mail.internet.InternetAddress;
import org.mailsec.authentication.DkimVerification;
import org.mailsec.dmarc.OrganizationalDomains;
import org.mailsec.dns.DnsResolver;

/**
 * Whether a report mail carries a valid DKIM signature whose d= is aligned with its From domain (relaxed
 * alignment, RFC 7489 §3.1.1: the same organizational domain). {@link DkimVerification} verifies each signature,
 * with keys through mailsec's resolver, as for every mail James receives.
 */
public final class DkimAlignment {

    /** The answer, with a short detail for logs and refusal reasons. */
    public record Verdict(boolean aligned, String detail) {
    }

    private final DkimVerification verification;
    private final OrganizationalDomains organizationalDomains;

    public DkimAlignment(DnsResolver resolver, OrganizationalDomains organizationalDomains) {
        this.verification = new DkimVerification(resolver);
        this.organizationalDomains = organizationalDomains;
    }

    /** Checks {@code rawMessage}, whose From header field is {@code fromHeader} (null when absent). */
    public Verdict check(byte[] rawMessage, String fromHeader) {
        String fromDomain;
        try {
            InternetAddress[] from = fromHeader == null ? new InternetAddress[0] : InternetAddress.parseHeader(fromHeader, false);
            if (from.length != 1 || from[0].getAddress() == null || from[0].getAddress().indexOf('@') < 0) {
                return new Verdict(false, "no single From address to align with");
            }
            String address = from[0].getAddress();
            fromDomain = address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
        } catch (AddressException e) {
            return new Verdict(false, "unreadable From header: " + e.getMessage());
        }
        List<DkimVerification.Signature> signatures = verification.verify(rawMessage);
        if (signatures.isEmpty()) {
            return new Verdict(false, "no DKIM signature");
        }
        List<String> signers = new ArrayList<>();
        for (DkimVerification.Signature signature : signatures) {
            if (signature.result() != DkimVerification.Result.PASS) {
                continue;
            }
            if (organizationalDomains.relaxedAligned(signature.domain(), fromDomain)) {
                return new Verdict(true, "DKIM pass d=" + signature.domain() + " aligned with " + fromDomain);
            }
            signers.add(signature.domain());
        }
        if (!signers.isEmpty()) {
            return new Verdict(false, "DKIM pass for " + String.join(", ", signers) + ", none aligned with " + fromDomain);
        }
        DkimVerification.Signature first = signatures.stream()
            .filter(x -> x.result() == DkimVerification.Result.TEMPERROR).findFirst().orElse(signatures.get(0));
        return new Verdict(false, (first.result() == DkimVerification.Result.TEMPERROR ? "DKIM temporary error: "
            : "DKIM fail: ") + first.reason());
    }
}
