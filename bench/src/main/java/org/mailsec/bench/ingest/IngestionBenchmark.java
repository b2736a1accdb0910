package org.mailsec.bench.ingest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import org.apache.james.core.MailAddress;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.mailsec.bench.SyntheticTlsReports;
import org.mailsec.mailets.StoreTlsReport;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.report.JdbcIncomingTlsReports;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportJson;
import org.mailsec.tlsrpt.TlsReportMail;

/**
 * Incoming TLS report mails through {@code StoreTlsReport} (MIME, gunzip, lenient parse, store) on the
 * embedded H2 store: reports per second, each a distinct report in a mail as Google sends them. Median of
 * rounds. {@code java -cp bench/target/mailsec-bench.jar org.mailsec.bench.ingest.IngestionBenchmark [mails] [rounds]}
 */
public final class IngestionBenchmark {

    public static void main(String[] args) throws Exception {
        int mails = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        TlsReport template = TlsReportJson.read(SyntheticTlsReports.json(2, 3));
        Path dir = Files.createTempDirectory("mailsec-ingest-bench");
        try (Database database = Database.open(StoreConfig.embedded(dir))) {
            // The mails are unsigned, so the DKIM check ends before any key lookup: no DNS is needed.
            StoreTlsReport mailet = new StoreTlsReport(new JdbcIncomingTlsReports(database),
                new org.mailsec.store.report.JdbcRejectedReports(database), new NoDns(), new RecordingMetricFactory(),
                Clock.systemUTC(), new org.mailsec.bench.FixedDomainList("example.com"));
            mailet.init(FakeMailetConfig.builder().mailetName("StoreTlsReport").build());
            List<Double> rates = new ArrayList<>();
            for (int round = 0; round <= rounds; round++) {
                List<MailImpl> batch = new ArrayList<>(mails);
                for (int i = 0; i < mails; i++) {
                    TlsReport report = new TlsReport(template.organizationName(), template.start(), template.end(),
                        template.contactInfo(), "bench-" + round + "-" + i, template.policies());
                    MimeMessage message = TlsReportMail.message(TlsReportMail.session(), report,
                        new InternetAddress("noreply-smtp-tls-reporting@google.com"), List.of(new InternetAddress("rua@example.com")),
                        "google.com", "example.com");
                    batch.add(MailImpl.builder().name("m" + i).sender(new MailAddress("noreply-smtp-tls-reporting@google.com"))
                        .addRecipient(new MailAddress("rua@example.com")).mimeMessage(message).build());
                }
                long start = System.nanoTime();
                for (MailImpl mail : batch) {
                    mailet.service(mail);
                }
                double rate = mails / ((System.nanoTime() - start) / 1e9);
                if (round == 0) {
                    System.out.printf("warm-up: %.0f reports/s%n", rate);
                } else {
                    rates.add(rate);
                    System.out.printf("round %d: %.0f reports/s%n", round, rate);
                }
                batch.forEach(org.apache.james.lifecycle.api.LifecycleUtil::dispose);
            }
            rates.sort(Double::compare);
            System.out.printf("median of %d rounds of %d mails: %.0f reports/s stored%n", rounds, mails,
                rates.get(rates.size() / 2));
        } finally {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** A resolver for mails that never need one: every lookup fails. */
    private static final class NoDns implements org.mailsec.dns.DnsResolver {
        private static org.mailsec.dns.DnsTemporaryException none() {
            return new org.mailsec.dns.DnsTemporaryException("-", "no DNS in this benchmark");
        }

        @Override
        public org.mailsec.dns.DnsAnswer<String> txt(String name) throws org.mailsec.dns.DnsException {
            throw none();
        }

        @Override
        public org.mailsec.dns.DnsAnswer<org.mailsec.dns.MxRecord> mx(String domain) throws org.mailsec.dns.DnsException {
            throw none();
        }

        @Override
        public org.mailsec.dns.DnsAnswer<org.mailsec.dns.TlsaRecord> tlsa(String name) throws org.mailsec.dns.DnsException {
            throw none();
        }

        @Override
        public org.mailsec.dns.DnsAnswer<java.net.InetAddress> a(String name) throws org.mailsec.dns.DnsException {
            throw none();
        }

        @Override
        public org.mailsec.dns.DnsAnswer<java.net.InetAddress> aaaa(String name) throws org.mailsec.dns.DnsException {
            throw none();
        }

        @Override
        public org.mailsec.dns.DnsAnswer<String> cname(String name) throws org.mailsec.dns.DnsException {
            throw none();
        }
    }
}
