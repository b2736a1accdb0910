package org.mailsec.bench.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import javax.mail.Session;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import org.apache.james.core.MailAddress;
import org.apache.james.dnsservice.api.InMemoryDNSService;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.queue.api.RawMailQueueItemDecoratorFactory;
import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.apache.james.server.core.MailImpl;
import org.apache.james.transport.mailets.RemoteDelivery;
import org.apache.mailet.Mailet;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.mailsec.mailets.SecureRemoteDelivery;

/**
 * Stock James RemoteDelivery against SecureRemoteDelivery, side by side in one JVM: each round hands 2,000
 * mails to one mailet and times until the loopback MX hosts have received them all. Stock delivery uses STARTTLS
 * without verification (as RemoteDelivery with {@code startTLS} and {@code mail.smtp.ssl.trust=*}), one
 * connection and one full TLS handshake per mail. SecureRemoteDelivery applies each domain's cached MTA-STS
 * enforce policy (PKIX + name checks), counts every TLS session, and runs twice: as configured by default
 * (connections reused, TLS sessions resumed) and with {@code connectionReuseLimit=1} (a connection per mail, TLS
 * sessions resumed). Rounds alternate so all see the same machine state. After every SecureRemoteDelivery round
 * the sessions counted in the store must equal the connections the MX hosts saw.
 * {@code java -cp bench/target/mailsec-bench.jar org.mailsec.bench.delivery.RemoteDeliveryComparison [mails] [rounds] [domains]}
 * (with more than one domain, mails go round-robin to {@code d0.bench.test}... over two MX hosts).
 */
public final class RemoteDeliveryComparison {

    public static void main(String[] args) throws Exception {
        int mails = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int domainCount = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        try (DeliveryBench world = new DeliveryBench(domainCount)) {
            InMemoryDNSService jamesDns = new InMemoryDNSService()
                .registerRecord(DeliveryBench.MX, java.net.InetAddress.getByName(DeliveryBench.MX_ADDRESS), DeliveryBench.MX)
                .registerRecord(DeliveryBench.MX2, java.net.InetAddress.getByName(DeliveryBench.MX2_ADDRESS), DeliveryBench.MX2);
            for (int i = 0; i < world.domains.size(); i++) {
                jamesDns.registerRecord(world.domains.get(i), List.of(), List.of(DeliveryBench.mxOf(i) + ":" + world.port),
                    List.of());
            }
            MemoryMailQueueFactory queues = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
            DomainList domains = new org.mailsec.testing.FixedDomainList("bench.local");

            RemoteDelivery stock = new RemoteDelivery(jamesDns, domains, queues, world.metrics);
            stock.init(config("stock", "outgoing-stock")
                .setProperty("startTLS", "true")
                .setProperty("verifyServerIdentity", "false")
                .setProperty("mail.smtp.ssl.trust", "*")
                .build());
            SecureRemoteDelivery secure = new SecureRemoteDelivery(jamesDns, domains, queues, world.metrics, world.security);
            secure.init(config("secure", "outgoing-secure").build());
            SecureRemoteDelivery perMail = new SecureRemoteDelivery(jamesDns, domains, queues, world.metrics, world.security);
            perMail.init(config("secure-per-mail", "outgoing-secure-per-mail").setProperty("connectionReuseLimit", "1").build());

            System.out.printf("%d mails a round to %d domain(s) on %d MX host(s); warming up%n", mails, domainCount,
                domainCount == 1 ? 1 : 2);
            run(stock, world, mails, false);
            run(secure, world, mails, true);
            run(perMail, world, mails, true);
            List<Double> stockRates = new ArrayList<>();
            List<Double> secureRates = new ArrayList<>();
            List<Double> perMailRates = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            List<Double> perMailRatios = new ArrayList<>();
            long connections = 0;
            for (int r = 1; r <= rounds; r++) {
                Round s = run(stock, world, mails, false);
                Round m = run(secure, world, mails, true);
                Round p = run(perMail, world, mails, true);
                stockRates.add(s.rate);
                secureRates.add(m.rate);
                perMailRates.add(p.rate);
                ratios.add(m.rate / s.rate);
                perMailRatios.add(p.rate / s.rate);
                connections += m.connections;
                System.out.printf("round %d: RemoteDelivery %.1f mails/s (%d connections), SecureRemoteDelivery %.1f"
                        + " (%d connections, ratio %.3f), SecureRemoteDelivery a connection per mail %.1f (ratio %.3f)%n",
                    r, s.rate, s.connections, m.rate, m.connections, m.rate / s.rate, p.rate, p.rate / s.rate);
            }
            System.out.printf("median of %d rounds of %d mails: RemoteDelivery %.1f mails/s, SecureRemoteDelivery %.1f"
                    + " (ratio of medians %.3f, median of round ratios %.3f), a connection per mail %.1f (%.3f, %.3f)%n",
                rounds, mails, median(stockRates), median(secureRates), median(secureRates) / median(stockRates),
                median(ratios), median(perMailRates), median(perMailRates) / median(stockRates), median(perMailRatios));
            System.out.printf("SecureRemoteDelivery: %d connections in %d measured rounds; every TLS session counted in"
                + " the store (checked after each round); TLS sessions resumed: %d%n", connections, rounds,
                world.metrics.countFor(org.mailsec.metrics.MailsecMetrics.TLS_SESSIONS_RESUMED));
            stock.destroy();
            secure.destroy();
            perMail.destroy();
        }
    }

    private static FakeMailetConfig.Builder config(String name, String queue) {
        return FakeMailetConfig.builder().mailetName(name).mailetContext(FakeMailContext.defaultContext())
            .setProperty("outgoing", queue)
            .setProperty("heloName", "bench.local")
            .setProperty("maxRetries", "0")
            .setProperty("delayTime", "1000");
    }

    private record Round(double rate, int connections) {
    }

    /**
     * Hands {@code count} mails to the mailet, round-robin over the domains; returns mails per second until the MX
     * hosts have them all. With {@code counted}, the sessions the store gained must be the connections they saw.
     */
    private static Round run(Mailet mailet, DeliveryBench world, int count, boolean counted) throws Exception {
        world.clear();
        long sessionsBefore = counted ? sessionsStored(world) : 0;
        List<MailImpl> batch = new ArrayList<>(count);
        Session session = Session.getInstance(new Properties());
        for (int i = 0; i < count; i++) {
            String recipient = "user" + i + "@" + world.domains.get(i % world.domains.size());
            MimeMessage message = new MimeMessage(session);
            message.setFrom(new InternetAddress("sender@bench.local"));
            message.setRecipients(javax.mail.Message.RecipientType.TO, recipient);
            message.setSubject("bench " + i);
            message.setText("x".repeat(2000));
            message.saveChanges();
            batch.add(MailImpl.builder().name("bench-" + i).sender(new MailAddress("sender@bench.local"))
                .addRecipient(new MailAddress(recipient)).mimeMessage(message).build());
        }
        long start = System.nanoTime();
        for (MailImpl mail : batch) {
            mailet.service(mail);
        }
        awaitAll(world, count, Duration.ofMinutes(5));
        double seconds = (System.nanoTime() - start) / 1e9;
        // The queue holds its own copies; the originals are done with, as after James's spooler.
        batch.forEach(org.apache.james.lifecycle.api.LifecycleUtil::dispose);
        int connections = world.connections();
        if (counted) {
            long gained = sessionsStored(world) - sessionsBefore;
            if (gained != connections) {
                throw new IllegalStateException("the store counted " + gained + " TLS sessions for " + connections
                    + " connections");
            }
        }
        return new Round(count / seconds, connections);
    }

    private static void awaitAll(DeliveryBench world, int count, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (world.received() < count) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("only " + world.received() + " of " + count + " mails arrived");
            }
            Thread.sleep(5);
        }
    }

    /** TLS sessions counted today over all the bench's domains, once the recorder has written them. */
    private static long sessionsStored(DeliveryBench world) {
        world.recorder.flush();
        org.mailsec.store.tls.JdbcTlsResultStore store = new org.mailsec.store.tls.JdbcTlsResultStore(world.database);
        java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
        long sum = 0;
        for (String domain : world.domains) {
            sum += store.results(domain, today).stream().mapToLong(c -> c.sessions()).sum();
        }
        return sum;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
