package org.mailsec.bench.authentication;

import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.random.RandomGenerator;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;
import org.apache.james.core.MailAddress;
import org.apache.james.dnsservice.api.InMemoryDNSService;
import org.apache.james.jdkim.mailets.DKIMVerify;
import org.apache.james.jspf.core.DNSRequest;
import org.apache.james.transport.mailets.SPF;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.mailsec.authentication.DkimKeyRecords;
import org.mailsec.authentication.DkimVerification;
import org.mailsec.authentication.MessageAuthentication;
import org.mailsec.authentication.SpfDns;
import org.mailsec.authentication.SpfVerification;
import org.mailsec.dmarc.DmarcLookup;
import org.mailsec.dmarc.DmarcVerifier;
import org.mailsec.dmarc.OrganizationalDomains;
import org.mailsec.dns.CachingDnsResolver;
import org.mailsec.dns.DnsResolver;
import org.mailsec.testing.DkimKeys;
import org.mailsec.testing.LoopbackDnsServer;
import org.xbill.DNS.Name;
import org.xbill.DNS.lookup.NoSuchRRSetException;

/**
 * CPU time per received message of mailsec's whole evaluation (SPF of MAIL FROM and HELO, every DKIM signature, DMARC)
 * next to James's own {@code SPF} and {@code DKIMVerify} mailets (which give SPF and DKIM only, no DMARC), on the same
 * DKIM-signed messages, with the same DNS answers cached (mailsec's caching resolver over a loopback DNS server). Rounds
 * alternate between the two, after three warm-up rounds; medians of the rounds and their ratio, and where mailsec's time
 * goes (SPF, DKIM, DMARC measured alone).
 * {@code java -cp bench/target/mailsec-bench.jar org.mailsec.bench.authentication.AuthenticationBenchmark [mails] [rounds]}
 */
public final class AuthenticationBenchmark {

    private static final String CLIENT = "192.0.2.25";
    private static final String HELO = "mail.sender.test";
    private static final String MAIL_FROM = "bounces@sender.test";

    public static void main(String[] args) throws Exception {
        int mails = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        KeyPair key = DkimKeys.generate();
        try (LoopbackDnsServer dns = LoopbackDnsServer.start()) {
            dns.addSignedZone("sender.test", "@ SOA ns hostmaster 1 3600 600 86400 300\n"
                + "@ TXT \"v=spf1 mx include:_spf.sender.test -all\"\n"
                + "_spf TXT \"v=spf1 ip4:198.51.100.0/24 ip4:192.0.2.0/24 -all\"\n"
                + "@ MX 10 mail.sender.test.\n"
                + "mail A 203.0.113.9\n"
                + "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@sender.test\"\n"
                + "s1._domainkey TXT " + DkimKeys.zoneRecord(key) + "\n");
            DnsResolver resolver = new CachingDnsResolver(dns.resolver(), Duration.ofHours(1));
            List<byte[]> messages = AuthenticationBenchmarkMessages.signed(mails, key);
            InetAddress client = InetAddress.getByName(CLIENT);

            OrganizationalDomains organizationalDomains = OrganizationalDomains.guava();
            MessageAuthentication mailsec = new MessageAuthentication(new SpfVerification(resolver),
                new DkimVerification(resolver), new DmarcVerifier(new DmarcLookup(resolver, organizationalDomains,
                DmarcLookup.Discovery.PUBLIC_SUFFIX_LIST), organizationalDomains, resolver, RandomGenerator.getDefault()));
            SPF spf = new SPF(new InMemoryDNSService());
            spf.setSPFDnsService(new JamesStyleSpfDns(resolver));
            spf.init(FakeMailetConfig.builder().mailetName("SPF").build());
            DKIMVerify dkim = new DKIMVerify(new DkimKeyRecords(resolver));
            dkim.init(FakeMailetConfig.builder().mailetName("DKIMVerify").build());

            // Warm up: every DNS answer cached, the JIT at work.
            check(mailsec.evaluate(messages.get(0), client, HELO, MAIL_FROM));
            List<Double> ours = new ArrayList<>();
            List<Double> james = new ArrayList<>();
            ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
            // The first rounds warm the JIT up (measured to converge after about three rounds of 1,000 messages).
            int warmUp = 3;
            for (int round = 0; round < rounds + warmUp; round++) {
                long start = cpu.getCurrentThreadCpuTime();
                for (byte[] m : messages) {
                    mailsec.evaluate(m, client, HELO, MAIL_FROM);
                }
                double oursMicros = (cpu.getCurrentThreadCpuTime() - start) / 1000.0 / messages.size();
                start = cpu.getCurrentThreadCpuTime();
                for (byte[] m : messages) {
                    Mail mail = mail(m);
                    spf.service(mail);
                    dkim.service(mail);
                }
                double jamesMicros = (cpu.getCurrentThreadCpuTime() - start) / 1000.0 / messages.size();
                if (round >= warmUp) {
                    ours.add(oursMicros);
                    james.add(jamesMicros);
                }
                System.out.printf("round %d: mailsec %.0f µs/message, James SPF+DKIMVerify %.0f µs/message%n", round,
                    oursMicros, jamesMicros);
            }
            // Where mailsec's time goes, one part at a time on the same messages.
            SpfVerification spfOnly = new SpfVerification(resolver);
            DkimVerification dkimOnly = new DkimVerification(resolver);
            DmarcVerifier dmarcOnly = new DmarcVerifier(new DmarcLookup(resolver, organizationalDomains,
                DmarcLookup.Discovery.PUBLIC_SUFFIX_LIST), organizationalDomains, resolver, RandomGenerator.getDefault());
            long start = cpu.getCurrentThreadCpuTime();
            for (byte[] m : messages) {
                spfOnly.mailFrom(client, MAIL_FROM, HELO);
            }
            double spfMicros = (cpu.getCurrentThreadCpuTime() - start) / 1000.0 / messages.size();
            start = cpu.getCurrentThreadCpuTime();
            for (byte[] m : messages) {
                dkimOnly.verify(m);
            }
            double dkimMicros = (cpu.getCurrentThreadCpuTime() - start) / 1000.0 / messages.size();
            start = cpu.getCurrentThreadCpuTime();
            for (byte[] m : messages) {
                dmarcOnly.verify("sender.test", List.of(new DmarcVerifier.DkimResult("sender.test", DmarcVerifier.AuthResult.PASS)),
                    new DmarcVerifier.SpfResult("sender.test", DmarcVerifier.AuthResult.PASS));
            }
            double dmarcMicros = (cpu.getCurrentThreadCpuTime() - start) / 1000.0 / messages.size();
            System.out.printf("mailsec's parts: SPF %.0f µs, DKIM %.0f µs, DMARC %.0f µs%n", spfMicros, dkimMicros, dmarcMicros);
            double o = median(ours);
            double j = median(james);
            System.out.printf("median CPU time per message over %d rounds of %d messages: mailsec (SPF+DKIM+DMARC) %.0f µs,"
                + " James SPF+DKIMVerify %.0f µs, ratio %.2f%n", rounds, mails, o, j, o / j);
        }
    }

    private static void check(MessageAuthentication.Verdict verdict) {
        if (verdict.dmarc().status() != DmarcVerifier.Status.PASS) {
            throw new IllegalStateException("the benchmark's messages must pass DMARC: " + verdict);
        }
    }

    private static Mail mail(byte[] raw) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new java.util.Properties()), new ByteArrayInputStream(raw));
        return FakeMail.builder().name("bench").mimeMessage(message).sender(new MailAddress(MAIL_FROM))
            .recipient("bob@localhost").remoteAddr(CLIENT).attribute(new org.apache.mailet.Attribute(Mail.SMTP_HELO,
                org.apache.mailet.AttributeValue.of(HELO))).build();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /**
     * mailsec's jSPF DNS for James's SPF mailet, answering "nothing" the way jSPF's own dnsjava service does (a
     * NoSuchRRSetException): the asynchronous executor James's mailet uses follows the TXT lookup only then.
     */
    private static final class JamesStyleSpfDns extends SpfDns {

        JamesStyleSpfDns(DnsResolver resolver) {
            super(resolver);
        }

        @Override
        public CompletionStage<List<String>> getRecordsAsync(DNSRequest request) {
            try {
                List<String> records = getRecords(request);
                if (records.isEmpty()) {
                    return CompletableFuture.failedFuture(new NoSuchRRSetException(Name.fromString(request.getHostname() + "."),
                        request.getRecordType() == DNSRequest.SPF ? 99 : 16));
                }
                return CompletableFuture.completedFuture(records);
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }
}
