package org.mailsec.bench.reports;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsPermanentException;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dns.DnssecStatus;
import org.mailsec.dns.MxRecord;
import org.mailsec.dns.TlsaRecord;

/** What the report-run benchmarks share: the stubbed queue, records from memory, the heap's peak. */
final class ReportBenchParts {

    private ReportBenchParts() {
    }

    /** James's mail pipeline, stubbed where a report mail would be queued: counts its bytes and drops it. */
    static final class QueueBoundary {
        final AtomicLong bytes = new AtomicLong();

        MailetContext context() {
            return (MailetContext) Proxy.newProxyInstance(MailetContext.class.getClassLoader(),
                new Class<?>[] {MailetContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("sendMail") && args != null && args.length == 2 && args[0] instanceof Mail mail) {
                        bytes.addAndGet(mail.getMessageSize());
                        return null;
                    }
                    throw new UnsupportedOperationException(method.getName() + " is not part of the benchmark");
                });
        }
    }

    /** A resolver that answers TXT queries from memory ({@code record} of the queried name) and nothing else. */
    static DnsResolver txtFromMemory(UnaryOperator<String> record) {
        return new DnsResolver() {
            @Override
            public DnsAnswer<String> txt(String name) {
                return new DnsAnswer<>(name, List.of(record.apply(name)), DnssecStatus.INSECURE, false, Optional.empty());
            }

            @Override
            public DnsAnswer<MxRecord> mx(String domain) throws DnsPermanentException {
                throw unused(domain);
            }

            @Override
            public DnsAnswer<TlsaRecord> tlsa(String name) throws DnsPermanentException {
                throw unused(name);
            }

            @Override
            public DnsAnswer<InetAddress> a(String name) throws DnsPermanentException {
                throw unused(name);
            }

            @Override
            public DnsAnswer<InetAddress> aaaa(String name) throws DnsPermanentException {
                throw unused(name);
            }

            @Override
            public DnsAnswer<String> cname(String name) {
                return new DnsAnswer<>(name, List.of(), DnssecStatus.INSECURE, false, Optional.empty());
            }
        };
    }

    private static DnsPermanentException unused(String name) {
        return new DnsPermanentException(name, "not used by the report run", null);
    }

    /** An RSA-2048 signing key for {@code domain}'s reports, or none (the run then signs nothing). */
    static java.util.Optional<org.mailsec.reporting.ReportSettings.DkimKey> signingKey(boolean dkim, String domain,
                                                                                      String selector) throws Exception {
        if (!dkim) {
            return java.util.Optional.empty();
        }
        java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        return java.util.Optional.of(new org.mailsec.reporting.ReportSettings.DkimKey(domain, selector,
            rsa.generateKeyPair().getPrivate()));
    }

    static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
    }

    private static final AtomicLong LIVE_AFTER_GC = new AtomicLong();

    /**
     * Starts watching garbage collections: {@link #peakLiveHeap()} is then the most heap any collection left in use,
     * what the run really held (the pools' peaks also count garbage not collected yet).
     */
    static void watchCollections() {
        for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((javax.management.NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                if (!notification.getType().equals(
                        com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                    return;
                }
                com.sun.management.GarbageCollectionNotificationInfo info = com.sun.management.GarbageCollectionNotificationInfo
                    .from((javax.management.openmbean.CompositeData) notification.getUserData());
                long used = info.getGcInfo().getMemoryUsageAfterGc().values().stream()
                    .mapToLong(java.lang.management.MemoryUsage::getUsed).sum();
                LIVE_AFTER_GC.accumulateAndGet(used, Math::max);
            }, null, null);
        }
    }

    static long peakLiveHeap() {
        return LIVE_AFTER_GC.get();
    }

    static long peakHeap() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }
}
