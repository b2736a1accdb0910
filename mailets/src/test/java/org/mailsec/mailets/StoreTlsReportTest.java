package org.mailsec.mailets;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import javax.mail.internet.InternetAddress;
import org.apache.james.core.Domain;
import org.apache.james.core.MailAddress;
import org.mailsec.testing.FixedDomainList;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.reporting.ReportDkimSigner;
import org.mailsec.reporting.ReportSettings;
import org.mailsec.store.tlsreport.IncomingTlsReport;
import org.mailsec.store.tlsreport.JdbcIncomingTlsReports;
import org.mailsec.store.rejected.JdbcRejectedReports;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.testing.DkimKeys;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportMail;

class StoreTlsReportTest {

    private static KeyPair reporterKey;
    private static KeyPair strangerKey;
    private static LoopbackDnsServer dns;

    private Database database;
    private JdbcIncomingTlsReports reports;
    private JdbcRejectedReports rejected;
    private RecordingMetricFactory metrics;

    @BeforeAll
    static void publishKeys() throws Exception {
        reporterKey = DkimKeys.generate();
        strangerKey = DkimKeys.generate();
        dns = LoopbackDnsServer.start();
        // A signed zone makes the resolver's trust anchor, under which the unsigned zones below are insecure.
        dns.addSignedZone("anchor.test", "@ A 127.0.0.1\n");
        dns.addZone("reporter.test", "@ SOA ns hostmaster 1 3600 600 86400 300\n"
            + "sel._domainkey TXT " + DkimKeys.zoneRecord(reporterKey) + "\n");
        dns.addZone("stranger.test", "@ SOA ns hostmaster 1 3600 600 86400 300\n"
            + "sel._domainkey TXT " + DkimKeys.zoneRecord(strangerKey) + "\n");
    }

    @AfterAll
    static void stopDns() {
        dns.close();
    }

    @BeforeEach
    void start(@TempDir Path dir) {
        database = Database.open(StoreConfig.embedded(dir));
        reports = new JdbcIncomingTlsReports(database);
        rejected = new JdbcRejectedReports(database);
        metrics = new RecordingMetricFactory();
    }

    @AfterEach
    void stop() {
        database.close();
    }

    private StoreTlsReport mailet(boolean onlyOurDomains, boolean ghost) throws Exception {
        return mailet(onlyOurDomains, ghost, false);
    }

    private StoreTlsReport mailet(boolean onlyOurDomains, boolean ghost, boolean requireAlignedDkim) throws Exception {
        StoreTlsReport mailet = new StoreTlsReport(reports, rejected, dns.resolver(), metrics, Clock.systemUTC(), new FixedDomainList("example.com"),
            org.mailsec.io.InputLimits.DEFAULT);
        mailet.init(FakeMailetConfig.builder().mailetName("StoreTlsReport")
            .setProperty("onlyOurDomains", String.valueOf(onlyOurDomains)).setProperty("ghost", String.valueOf(ghost))
            .setProperty("requireAlignedDkim", String.valueOf(requireAlignedDkim)).build());
        return mailet;
    }

    private List<IncomingTlsReport> stored() {
        return reports.list(Instant.EPOCH, Instant.parse("2030-01-01T00:00:00Z"), java.util.Optional.empty());
    }

    /** A report mail from r@reporter.test, DKIM-signed by {@code signer} (sel._domainkey.{@code signer}). */
    private static FakeMail signedReport(String id, String signer, KeyPair key) throws Exception {
        FakeMail mail = reportAbout("example.com", id);
        new ReportDkimSigner(new ReportSettings.DkimKey(signer, "sel", key.getPrivate())).sign(mail.getMessage());
        return mail;
    }

    private static FakeMail reportAbout(String domain, String id) throws Exception {
        Instant start = Instant.parse("2026-11-21T00:00:00Z");
        TlsReport report = new TlsReport("Reporter", start, start.plus(1, ChronoUnit.DAYS).minusSeconds(1), "mailto:r@reporter.test",
            id, List.of(new TlsReport.PolicyResult(new TlsReport.Policy("sts", List.of("version: STSv1"), domain, List.of()),
                5, 0, List.of())));
        return FakeMail.builder().name(id).mimeMessage(TlsReportMail.message(TlsReportMail.session(), report,
                new InternetAddress("r@reporter.test"), List.of(new InternetAddress("rua@example.com")), "reporter.test", domain))
            .sender(new MailAddress("r@reporter.test")).recipient("rua@example.com").state(Mail.DEFAULT).build();
    }

    @Test
    void aMailWhoseOtherReportWasRefusedByAnEarlierMailetIsNotConsumed() throws Exception {
        FakeMail mail = reportAbout("example.com", "both-kinds");
        // StoreDmarcReport ran first on this mail and refused its DMARC part.
        mail.setAttribute(new org.apache.mailet.Attribute(org.mailsec.mail.MailsecAttributes.REPORT_REJECTED,
            org.apache.mailet.AttributeValue.of("not a DMARC report")));
        mailet(false, true).service(mail);
        assertThat(stored()).hasSize(1);
        assertThat(mail.getState()).as("what was refused stays in the mailbox").isEqualTo(Mail.DEFAULT);
    }

    @Test
    void aReportIsStoredOnceAndTheMailGoesOn() throws Exception {
        StoreTlsReport mailet = mailet(false, false);
        FakeMail first = reportAbout("example.com", "r1");
        mailet.service(first);
        mailet.service(reportAbout("example.com", "r1"));
        assertThat(reports.list(Instant.EPOCH, Instant.parse("2030-01-01T00:00:00Z"), java.util.Optional.empty())).hasSize(1);
        assertThat(first.getState()).isEqualTo(Mail.DEFAULT);
        assertThat(first.getAttribute(org.mailsec.mail.MailsecAttributes.REPORT_STORED)).isPresent();
    }

    @Test
    void onlyReportsAboutOurDomainsOrHostsBelowThemAreKeptWhenAsked() throws Exception {
        StoreTlsReport mailet = mailet(true, true);
        FakeMail foreign = reportAbout("other.example", "r2");
        mailet.service(foreign);
        FakeMail host = reportAbout("mx1.example.com", "r3");
        mailet.service(host);
        assertThat(reports.list(Instant.EPOCH, Instant.parse("2030-01-01T00:00:00Z"), java.util.Optional.empty()))
            .singleElement().satisfies(r -> assertThat(r.policyDomain()).isEqualTo("mx1.example.com"));
        assertThat(foreign.getAttribute(org.mailsec.mail.MailsecAttributes.REPORT_REJECTED)).isPresent();
        assertThat(foreign.getState()).as("a refused report stays in the mailbox").isEqualTo(Mail.DEFAULT);
        assertThat(host.getState()).isEqualTo(Mail.GHOST);
        assertThat(rejected.list(RejectedReport.Kind.TLS, Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), 10))
            .singleElement().satisfies(r -> {
                assertThat(r.mailName()).isEqualTo("r2");
                assertThat(r.reason()).contains("about no domain of ours (other.example)");
                assertThat(r.mailFrom()).isEqualTo("r@reporter.test");
            });
    }

    @Test
    void aReportSignedByItsFromDomainIsStoredAsAuthenticated() throws Exception {
        FakeMail signed = signedReport("signed", "reporter.test", reporterKey);
        mailet(false, false, true).service(signed);
        assertThat(stored()).singleElement().satisfies(r -> assertThat(r.unauthenticated()).isFalse());
        assertThat(signed.getAttribute(org.mailsec.mail.MailsecAttributes.REPORT_DKIM)).hasValueSatisfying(a ->
            assertThat(a.getValue().value()).isEqualTo("DKIM pass d=reporter.test aligned with reporter.test"));
    }

    @Test
    void withoutAnAlignedDkimPassAReportIsUnauthenticatedOrRefusedWhenAlignmentIsRequired() throws Exception {
        mailet(false, false, false).service(reportAbout("example.com", "unsigned"));
        assertThat(stored()).singleElement().satisfies(r -> assertThat(r.unauthenticated()).isTrue());

        StoreTlsReport strict = mailet(false, true, true);
        FakeMail unsigned = reportAbout("example.com", "unsigned-2");
        FakeMail otherSigner = signedReport("other-signer", "stranger.test", strangerKey);
        FakeMail forged = signedReport("forged", "reporter.test", strangerKey);
        FakeMail tampered = signedReport("tampered", "reporter.test", reporterKey);
        tampered.getMessage().setHeader("TLS-Report-Domain", "example.org");
        tampered.getMessage().saveChanges();
        for (FakeMail mail : List.of(unsigned, otherSigner, forged, tampered)) {
            strict.service(mail);
            assertThat(mail.getState()).as("a refused report stays in the mailbox").isEqualTo(Mail.DEFAULT);
        }
        assertThat(stored()).hasSize(1);
        List<RejectedReport> refused = rejected.list(RejectedReport.Kind.TLS, Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), 10);
        assertThat(refused).extracting(RejectedReport::mailName).containsExactly("unsigned-2", "other-signer", "forged", "tampered");
        assertThat(refused.get(0).reason()).isEqualTo("no aligned DKIM pass (no DKIM signature)");
        assertThat(refused.get(1).reason())
            .isEqualTo("no aligned DKIM pass (DKIM pass for stranger.test, none aligned with reporter.test)");
        assertThat(refused.subList(2, 4)).allSatisfy(r -> assertThat(r.reason()).startsWith("no aligned DKIM pass (DKIM fail"));
        assertThat(metrics.countFor("mailsec_tls_reports_rejected")).isEqualTo(4);
    }

    @Test
    void aMailWhoseReportCannotBeReadGoesOnWithTheReasonRecorded() throws Exception {
        FakeMail broken = FakeMail.builder().name("broken").mimeMessage(new javax.mail.internet.MimeMessage(
                javax.mail.Session.getInstance(new java.util.Properties()), new java.io.ByteArrayInputStream((
                "From: r@reporter.test\r\nSubject: Report Domain: example.com\r\nMessage-ID: <b@reporter.test>\r\n"
                + "Content-Type: application/tlsrpt+json\r\n\r\n{\"organization-name\": 5").getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII))))
            .sender(new MailAddress("r@reporter.test")).recipient("rua@example.com").state(Mail.DEFAULT).build();
        mailet(false, true).service(broken);
        assertThat(broken.getState()).isEqualTo(Mail.DEFAULT);
        assertThat(broken.getAttribute(org.mailsec.mail.MailsecAttributes.REPORT_REJECTED)).isPresent();
        assertThat(rejected.list(RejectedReport.Kind.TLS, Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), 10))
            .singleElement().satisfies(r -> {
                assertThat(r.messageId()).isEqualTo("<b@reporter.test>");
                assertThat(r.subject()).isEqualTo("Report Domain: example.com");
                assertThat(r.reason()).isNotBlank();
            });
        assertThat(stored()).isEmpty();
    }
}
