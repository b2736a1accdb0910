package org.mailsec.bench.ingest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import org.apache.james.core.MailAddress;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.mailsec.bench.SyntheticTlsReports;
import org.mailsec.dns.CachingDnsResolver;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.mailets.StoreTlsReport;
import org.mailsec.reporting.ReportDkimSigner;
import org.mailsec.reporting.ReportSettings;
import org.mailsec.testing.DkimKeys;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.tlsreport.JdbcIncomingTlsReports;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportJson;
import org.mailsec.tlsrpt.TlsReportMail;

/**
 * Incoming TLS report mails through {@code StoreTlsReport} (MIME, DKIM check, gunzip, lenient parse, store) on the
 * embedded H2 store: reports per second, each a distinct report in a mail as Google sends them. Two kinds of mail
 * in alternating rounds: unsigned, and DKIM-signed (RSA-2048) by google.com with the key served by a loopback DNS
 * server through mailsec's caching resolver. Medians of rounds and their ratio.
 * {@code java -cp bench/target/mailsec-bench.jar org.mailsec.bench.ingest.IngestionBenchmark [mails] [rounds]}
 */
public final class IngestionBenchmark {

    private static final String FROM = "noreply-smtp-tls-reporting@google.com";

    public static void main(String[] args) throws Exception {
        int mails = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        TlsReport template = TlsReportJson.read(SyntheticTlsReports.json(2, 3));
        KeyPair key = DkimKeys.generate();
        ReportDkimSigner signer = new ReportDkimSigner(new ReportSettings.DkimKey("google.com", "bench", key.getPrivate()));
        Path dir = Files.createTempDirectory("mailsec-ingest-bench");
        try (LoopbackDnsServer dns = LoopbackDnsServer.start();
             Database database = Database.open(StoreConfig.embedded(dir))) {
            dns.addSignedZone("anchor.test", "@ A 127.0.0.1\n");
            dns.addZone("google.com", "@ SOA ns hostmaster 1 3600 600 86400 300\nbench._domainkey TXT "
                + DkimKeys.zoneRecord(key) + "\n");
            StoreTlsReport mailet = new StoreTlsReport(new JdbcIncomingTlsReports(database),
                new org.mailsec.store.rejected.JdbcRejectedReports(database),
                new CachingDnsResolver(dns.resolver(), Duration.ofSeconds(60)), new RecordingMetricFactory(),
                Clock.systemUTC(), new org.mailsec.testing.FixedDomainList("example.com"), org.mailsec.io.InputLimits.DEFAULT);
            mailet.init(FakeMailetConfig.builder().mailetName("StoreTlsReport").build());
            List<Double> unsigned = new ArrayList<>();
            List<Double> signed = new ArrayList<>();
            for (int round = 0; round <= rounds; round++) {
                for (boolean sign : new boolean[] {false, true}) {
                    List<MailImpl> batch = new ArrayList<>(mails);
                    for (int i = 0; i < mails; i++) {
                        TlsReport report = new TlsReport(template.organizationName(), template.start(), template.end(),
                            template.contactInfo(), "bench-" + round + "-" + sign + "-" + i, template.policies());
                        MimeMessage message = TlsReportMail.message(TlsReportMail.session(), report,
                            new InternetAddress(FROM), List.of(new InternetAddress("rua@example.com")), "google.com",
                            "example.com");
                        if (sign) {
                            signer.sign(message);
                        }
                        batch.add(MailImpl.builder().name("m" + i).sender(new MailAddress(FROM))
                            .addRecipient(new MailAddress("rua@example.com")).mimeMessage(message).build());
                    }
                    long start = System.nanoTime();
                    for (MailImpl mail : batch) {
                        mailet.service(mail);
                    }
                    double rate = mails / ((System.nanoTime() - start) / 1e9);
                    if (sign && batch.get(0).getAttribute(org.apache.mailet.AttributeName.of("mailsec.report.dkim"))
                            .map(a -> !String.valueOf(a.getValue().value()).startsWith("DKIM pass")).orElse(true)) {
                        throw new IllegalStateException("the signed mails did not pass DKIM: "
                            + batch.get(0).getAttribute(org.apache.mailet.AttributeName.of("mailsec.report.dkim")));
                    }
                    String kind = sign ? "DKIM-signed" : "unsigned";
                    if (round == 0) {
                        System.out.printf("warm-up, %s: %.0f reports/s%n", kind, rate);
                    } else {
                        (sign ? signed : unsigned).add(rate);
                        System.out.printf("round %d, %s: %.0f reports/s%n", round, kind, rate);
                    }
                    batch.forEach(org.apache.james.lifecycle.api.LifecycleUtil::dispose);
                }
            }
            double medianUnsigned = median(unsigned);
            double medianSigned = median(signed);
            System.out.printf("median of %d rounds of %d mails: unsigned %.0f reports/s, DKIM-signed %.0f reports/s "
                + "(ratio %.2f)%n", rounds, mails, medianUnsigned, medianSigned, medianSigned / medianUnsigned);
        } finally {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static double median(List<Double> rates) {
        List<Double> sorted = new ArrayList<>(rates);
        sorted.sort(Double::compare);
        return sorted.get(sorted.size() / 2);
    }
}
