package org.mailsec.authentication;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.james.jspf.core.DNSRequest;
import org.apache.james.jspf.core.DNSService;
import org.apache.james.jspf.core.exceptions.TimeoutException;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dns.DnssecStatus;
import org.mailsec.dns.MxRecord;

/**
 * jSPF's DNS through mailsec's resolver. It counts each check's void lookups per thread (a check runs on one thread,
 * from {@link #startCheck()} to {@link #voidLookups()}). Nothing found is an
 * empty list; a failed lookup or a bogus DNSSEC answer is jSPF's timeout (a temperror).
 */
public class SpfDns implements DNSService {

    private final DnsResolver resolver;
    private final ThreadLocal<AtomicInteger> voidLookups = ThreadLocal.withInitial(AtomicInteger::new);
    private int recordLimit = 10;

    public SpfDns(DnsResolver resolver) {
        this.resolver = resolver;
    }

    /** A check begins on this thread: its void lookups count from zero. */
    public void startCheck() {
        voidLookups.get().set(0);
    }

    /** Lookups of this thread's check so far that found nothing (RFC 7208 §4.6.4 void lookups). */
    public int voidLookups() {
        return voidLookups.get().get();
    }

    @Override
    public List<String> getRecords(DNSRequest request) throws TimeoutException {
        String name = request.getHostname();
        try {
            DnsAnswer<?> answer = switch (request.getRecordType()) {
                case DNSRequest.A -> resolver.a(name);
                case DNSRequest.AAAA -> resolver.aaaa(name);
                case DNSRequest.MX -> resolver.mx(name);
                case DNSRequest.TXT -> resolver.txt(name);
                // The SPF RR type is gone (RFC 7208 §3.1); PTR (the "ptr" mechanism, §5.5 "SHOULD NOT be used") is
                // not asked: it then matches nothing.
                default -> null;
            };
            if (answer == null) {
                return List.of();
            }
            if (answer.status() == DnssecStatus.BOGUS) {
                throw new TimeoutException("DNSSEC validation of " + name + " failed");
            }
            List<String> records = new ArrayList<>();
            for (Object record : answer.records()) {
                records.add(record instanceof InetAddress a ? a.getHostAddress()
                    : record instanceof MxRecord mx ? mx.host() : String.valueOf(record));
            }
            if (records.isEmpty()) {
                voidLookups.get().incrementAndGet();
                return List.of();
            }
            // All of them: jSPF makes more than its record limit of MX names a permerror (RFC 7208 §4.6.4).
            return records;
        } catch (DnsException e) {
            throw new TimeoutException("DNS lookup of " + name + " failed: " + e.getMessage());
        }
    }

    @Override
    public CompletionStage<List<String>> getRecordsAsync(DNSRequest request) {
        try {
            return CompletableFuture.completedFuture(getRecords(request));
        } catch (TimeoutException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public List<String> getLocalDomainNames() {
        return List.of();
    }

    @Override
    public void setTimeOut(int timeOut) {
        // mailsec's resolver has its own timeouts
    }

    @Override
    public int getRecordLimit() {
        return recordLimit;
    }

    @Override
    public void setRecordLimit(int recordLimit) {
        this.recordLimit = recordLimit;
    }
}
