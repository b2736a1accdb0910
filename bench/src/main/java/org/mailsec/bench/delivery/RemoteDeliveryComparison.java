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
 * mails to one mailet and times until the loopback MX has received them all. Stock delivery uses STARTTLS
 * without verification (as RemoteDelivery with {@code startTLS} and {@code mail.smtp.ssl.trust=*});
 * SecureRemoteDelivery applies the domain's cached MTA-STS enforce policy (PKIX + name checks) and counts
 * every outcome. Rounds alternate so both see the same machine state.
 * {@code java -cp bench/target/mailsec-bench.jar org.mailsec.bench.delivery.RemoteDeliveryComparison [mails] [rounds]}
 */
public final class RemoteDeliveryComparison {

    public static void main(String[] args) throws Exception {
        int mails = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        try (DeliveryBench world = new DeliveryBench()) {
            InMemoryDNSService jamesDns = new InMemoryDNSService()
                .registerRecord(DeliveryBench.MX, java.net.InetAddress.getByName(DeliveryBench.MX_ADDRESS), DeliveryBench.MX)
                .registerRecord(DeliveryBench.DOMAIN, List.of(), List.of(DeliveryBench.MX + ":" + world.port), List.of());
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

            System.out.printf("warming up (%d mails each)%n", mails);
            run(stock, world, mails);
            run(secure, world, mails);
            List<Double> stockRates = new ArrayList<>();
            List<Double> secureRates = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                double s = run(stock, world, mails);
                double m = run(secure, world, mails);
                stockRates.add(s);
                secureRates.add(m);
                System.out.printf("round %d: RemoteDelivery %.1f mails/s, SecureRemoteDelivery %.1f mails/s (ratio %.3f)%n",
                    r, s, m, m / s);
            }
            double stockMedian = median(stockRates);
            double secureMedian = median(secureRates);
            System.out.printf("median of %d rounds of %d mails: RemoteDelivery %.1f mails/s, SecureRemoteDelivery %.1f mails/s,"
                + " ratio %.3f%n", rounds, mails, stockMedian, secureMedian, secureMedian / stockMedian);
            world.recorder.flush();
            System.out.printf("TLS sessions recorded for %s: %d%n", DeliveryBench.DOMAIN,
                new org.mailsec.store.tls.JdbcTlsResultStore(world.database)
                    .results(DeliveryBench.DOMAIN, java.time.LocalDate.now(java.time.ZoneOffset.UTC)).stream()
                    .mapToLong(c -> c.sessions()).sum());
            stock.destroy();
            secure.destroy();
        }
    }

    private static FakeMailetConfig.Builder config(String name, String queue) {
        return FakeMailetConfig.builder().mailetName(name).mailetContext(FakeMailContext.defaultContext())
            .setProperty("outgoing", queue)
            .setProperty("heloName", "bench.local")
            .setProperty("maxRetries", "0")
            .setProperty("delayTime", "1000");
    }

    /** Hands {@code count} mails to the mailet; returns mails per second until the MX has them all. */
    private static double run(Mailet mailet, DeliveryBench world, int count) throws Exception {
        world.mx.clear();
        List<MailImpl> batch = new ArrayList<>(count);
        Session session = Session.getInstance(new Properties());
        for (int i = 0; i < count; i++) {
            MimeMessage message = new MimeMessage(session);
            message.setFrom(new InternetAddress("sender@bench.local"));
            message.setRecipients(javax.mail.Message.RecipientType.TO, "user" + i + "@" + DeliveryBench.DOMAIN);
            message.setSubject("bench " + i);
            message.setText("x".repeat(2000));
            message.saveChanges();
            batch.add(MailImpl.builder().name("bench-" + i).sender(new MailAddress("sender@bench.local"))
                .addRecipient(new MailAddress("user" + i + "@" + DeliveryBench.DOMAIN)).mimeMessage(message).build());
        }
        long start = System.nanoTime();
        for (MailImpl mail : batch) {
            mailet.service(mail);
        }
        world.mx.await(count, Duration.ofMinutes(5));
        double seconds = (System.nanoTime() - start) / 1e9;
        // The queue holds its own copies; the originals are done with, as after James's spooler.
        batch.forEach(org.apache.james.lifecycle.api.LifecycleUtil::dispose);
        return count / seconds;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
