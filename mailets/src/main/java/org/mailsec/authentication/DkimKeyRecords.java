package org.mailsec.authentication;

import java.util.List;
import org.apache.james.jdkim.api.PublicKeyRecordRetriever;
import org.apache.james.jdkim.exceptions.PermFailException;
import org.apache.james.jdkim.exceptions.TempFailException;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsPermanentException;
import org.mailsec.dns.DnsResolver;

/**
 * DKIM key records (RFC 6376 §3.6.2) for jDKIM: TXT at {@code selector._domainkey.domain}, through mailsec's resolver.
 * A lookup that fails is a temporary failure, a missing or refused record a permanent one (§6.1.2).
 */
public final class DkimKeyRecords implements PublicKeyRecordRetriever {

    private final DnsResolver resolver;

    public DkimKeyRecords(DnsResolver resolver) {
        this.resolver = resolver;
    }

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
                throw new PermFailException("no key for signature at " + name);
            }
            return answer.records();
        } catch (DnsPermanentException e) {
            throw new PermFailException("DNS refused the key lookup of " + name + ": " + e.getMessage());
        } catch (DnsException e) {
            throw new TempFailException("key lookup of " + name + " failed: " + e.getMessage());
        }
    }
}
