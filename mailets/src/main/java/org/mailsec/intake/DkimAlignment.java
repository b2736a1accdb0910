package org.mailsec.intake;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.mail.internet.AddressException;
import javax.mail.internet.InternetAddress;
import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.PublicKeyRecordRetriever;
import org.apache.james.jdkim.api.SignatureRecord;
import org.apache.james.jdkim.exceptions.FailException;
import org.apache.james.jdkim.exceptions.PermFailException;
import org.apache.james.jdkim.exceptions.TempFailException;
import org.mailsec.dmarc.OrganizationalDomains;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsPermanentException;
import org.mailsec.dns.DnsResolver;

/**
 * Whether a report mail carries a valid DKIM signature whose d= is aligned with its From domain (relaxed
 * alignment, RFC 7489 §3.1.1: the same organizational domain). jDKIM verifies; the keys come through mailsec's
 * resolver, so the operator's DNS settings apply.
 */
public final class DkimAlignment {

    /** The answer, with a short detail for logs and refusal reasons. */
    public record Verdict(boolean aligned, String detail) {
    }

    private final DnsResolver resolver;
    private final OrganizationalDomains organizationalDomains;

    public DkimAlignment(DnsResolver resolver, OrganizationalDomains organizationalDomains) {
        this.resolver = resolver;
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
        List<SignatureRecord> passed;
        try {
            passed = new DKIMVerifier(new Keys()).verify(new ByteArrayInputStream(rawMessage));
        } catch (TempFailException e) {
            return new Verdict(false, "DKIM temporary error: " + e.getMessage());
        } catch (FailException e) {
            return new Verdict(false, "DKIM fail: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            // jDKIM throws unchecked exceptions on some malformed signatures; a bad signature is just a fail.
            return new Verdict(false, "DKIM fail: " + e);
        }
        if (passed == null || passed.isEmpty()) {
            return new Verdict(false, "no DKIM signature");
        }
        List<String> signers = new ArrayList<>();
        for (SignatureRecord signature : passed) {
            String d = signature.getDToken().toString().toLowerCase(Locale.ROOT);
            if (organizationalDomains.relaxedAligned(d, fromDomain)) {
                return new Verdict(true, "DKIM pass d=" + d + " aligned with " + fromDomain);
            }
            signers.add(d);
        }
        return new Verdict(false, "DKIM pass for " + String.join(", ", signers) + ", none aligned with " + fromDomain);
    }

    /** DKIM key records (RFC 6376 §3.6.2) as TXT at selector._domainkey.domain. */
    private final class Keys implements PublicKeyRecordRetriever {
        @Override
        public List<String> getRecords(CharSequence methodAndOptions, CharSequence selector, CharSequence token)
                throws TempFailException, PermFailException {
            if (!"dns/txt".contentEquals(methodAndOptions)) {
                throw new PermFailException("unsupported key query method " + methodAndOptions);
            }
            String name = selector + "._domainkey." + token;
            try {
                DnsAnswer<String> answer = resolver.txt(name);
                if (answer.records().isEmpty()) {
                    throw new PermFailException("no DKIM key at " + name);
                }
                return answer.records();
            } catch (DnsPermanentException e) {
                throw new PermFailException("DNS refused the DKIM key lookup of " + name + ": " + e.getMessage());
            } catch (DnsException e) {
                throw new TempFailException("DKIM key lookup of " + name + " failed: " + e.getMessage());
            }
        }
    }
}
