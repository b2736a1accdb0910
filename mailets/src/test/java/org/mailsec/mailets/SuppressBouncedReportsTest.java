package org.mailsec.mailets;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import javax.mail.Session;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;
import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.suppression.JdbcSuppressionList;
import org.mailsec.store.suppression.Suppression;
import org.mailsec.testing.MovableClock;

class SuppressBouncedReportsTest {

    private static final String REPORTING = "tlsrpt-noreply@sender.test";
    private static final String DMARC_REPORTING = "dmarc-noreply@sender.test";

    private Database database;
    private JdbcSuppressionList suppressions;
    private final MovableClock clock = new MovableClock(Instant.parse("2026-11-22T06:00:00Z"));
    private SuppressBouncedReports mailet;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        database = Database.open(StoreConfig.embedded(dir));
        suppressions = new JdbcSuppressionList(database);
        mailet = new SuppressBouncedReports(suppressions, new org.mailsec.reporting.ReportSenders(REPORTING, DMARC_REPORTING),
            new org.apache.james.metrics.tests.RecordingMetricFactory(), clock);
        mailet.init(FakeMailetConfig.builder().mailetName("SuppressBouncedReports").build());
    }

    @AfterEach
    void stop() {
        database.close();
    }

    private static final String REPORT_ID = "<3b1f0c9e-report@sender.test>";

    private static MimeMessage dsn(String action, String status, String failedRecipient) throws Exception {
        return dsn(action, status, failedRecipient, REPORT_ID, "550 5.1.1 mailbox unknown");
    }

    /** A DSN as an MTA sends it back for a report it could not deliver, returning the report's headers. */
    private static MimeMessage dsn(String action, String status, String failedRecipient, String returnedMessageId,
                                   String diagnostic) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(new InternetAddress("MAILER-DAEMON@rua-host.test"));
        message.setRecipient(javax.mail.Message.RecipientType.TO, new InternetAddress(REPORTING));
        message.setSubject("Undelivered Mail Returned to Sender");
        MimeBodyPart text = new MimeBodyPart();
        text.setText("Your report could not be delivered.");
        MimeBodyPart status1 = new MimeBodyPart();
        status1.setContent("Reporting-MTA: dns; rua-host.test\r\nArrival-Date: Sun, 22 Nov 2026 00:06:00 +0000\r\n\r\n"
            + "Final-Recipient: rfc822; " + failedRecipient + "\r\nOriginal-Recipient: rfc822;" + failedRecipient + "\r\n"
            + "Action: " + action + "\r\nStatus: " + status + "\r\nDiagnostic-Code: smtp; " + diagnostic + "\r\n",
            "message/delivery-status");
        MimeBodyPart headers = new MimeBodyPart();
        headers.setContent("Message-ID: " + returnedMessageId + "\r\nTLS-Report-Domain: example.test\r\n"
            + "TLS-Report-Submitter: sender.test\r\n", "text/rfc822-headers");
        MimeMultipart report = new MimeMultipart("report; report-type=delivery-status");
        report.addBodyPart(text);
        report.addBodyPart(status1);
        report.addBodyPart(headers);
        message.setContent(report);
        message.saveChanges();
        // As it arrives: bytes from the wire.
        java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
        message.writeTo(raw);
        return new MimeMessage(Session.getInstance(new Properties()), new java.io.ByteArrayInputStream(raw.toByteArray()));
    }

    private static FakeMail mail(MimeMessage message, String... recipients) throws Exception {
        return FakeMail.builder().name("bounce").mimeMessage(message)
            .recipients(java.util.Arrays.stream(recipients).map(r -> {
                try {
                    return new MailAddress(r);
                } catch (Exception e) {
                    throw new IllegalArgumentException(e);
                }
            }).toArray(MailAddress[]::new)).state(Mail.DEFAULT).build();
    }

    @Test
    void aHardBounceOfAReportSuppressesItsAddressAndIsConsumed() throws Exception {
        suppressions.rememberSent(REPORT_ID, "tlsrpt@rua-host.test", clock.instant().minus(Duration.ofHours(6)));
        FakeMail bounce = mail(dsn("failed", "5.1.1", "tlsrpt@rua-host.test"), REPORTING);
        mailet.service(bounce);
        assertThat(suppressions.suppressed(Suppression.Kind.TLS, "tlsrpt@rua-host.test", clock.instant())).isTrue();
        List<Suppression> entries = suppressions.list(Suppression.Kind.TLS);
        assertThat(entries).singleElement().satisfies(s -> {
            assertThat(s.until()).isEqualTo(clock.instant().plus(Duration.ofDays(30)));
            assertThat(s.comment()).contains("5.1.1").contains("mailbox unknown");
        });
        assertThat(bounce.getState()).isEqualTo(Mail.GHOST);
    }

    @Test
    void aBounceOfADmarcReportSuppressesTheAddressForDmarcReportsOnly() throws Exception {
        suppressions.rememberSent(REPORT_ID, "dmarc@rua-host.test", clock.instant().minus(Duration.ofHours(6)));
        FakeMail bounce = mail(dsn("failed", "5.1.1", "dmarc@rua-host.test"), DMARC_REPORTING);
        mailet.service(bounce);
        assertThat(suppressions.suppressed(Suppression.Kind.DMARC, "dmarc@rua-host.test", clock.instant())).isTrue();
        assertThat(suppressions.list(Suppression.Kind.DMARC)).singleElement()
            .satisfies(s -> assertThat(s.comment()).startsWith("automatic: a DMARC report bounced (5.1.1"));
        assertThat(suppressions.list(Suppression.Kind.TLS)).isEmpty();
        assertThat(bounce.getState()).isEqualTo(Mail.GHOST);
    }

    @Test
    void aForgedBounceSuppressesNobody() throws Exception {
        suppressions.rememberSent(REPORT_ID, "tlsrpt@rua-host.test", clock.instant().minus(Duration.ofHours(6)));
        // Never sent, sent to someone else, sent too long ago, or no returned headers at all.
        suppressions.rememberSent("<old@sender.test>", "victim@elsewhere.test", clock.instant().minus(Duration.ofDays(31)));
        List<FakeMail> forged = List.of(
            mail(dsn("failed", "5.1.1", "victim@elsewhere.test", "<made-up@attacker.test>", "550 no"), REPORTING),
            mail(dsn("failed", "5.1.1", "victim@elsewhere.test", REPORT_ID, "550 no"), REPORTING),
            mail(dsn("failed", "5.1.1", "victim@elsewhere.test", "<old@sender.test>", "550 no"), REPORTING));
        for (FakeMail bounce : forged) {
            mailet.service(bounce);
            assertThat(bounce.getState()).as("passes untouched").isEqualTo(Mail.DEFAULT);
        }
        assertThat(suppressions.suppressed(Suppression.Kind.TLS, "victim@elsewhere.test", clock.instant())).isFalse();
        assertThat(suppressions.list(Suppression.Kind.TLS)).isEmpty();
    }

    @Test
    void aLongDiagnosticAndALongAddressAreStoredCutNeverFailing() throws Exception {
        String longAddress = "x".repeat(600) + "@rua-host.test";
        suppressions.rememberSent(REPORT_ID, longAddress, clock.instant());
        FakeMail bounce = mail(dsn("failed", "5.1.1", longAddress, REPORT_ID, "550 " + "no ".repeat(700)), REPORTING);
        mailet.service(bounce);
        assertThat(suppressions.list(Suppression.Kind.TLS)).singleElement().satisfies(s -> {
            assertThat(s.comment()).hasSizeLessThanOrEqualTo(1024).startsWith("automatic: a TLS report bounced (5.1.1 smtp; 550 no");
            assertThat(s.address()).hasSizeLessThanOrEqualTo(512);
        });
        assertThat(suppressions.suppressed(Suppression.Kind.TLS, longAddress, clock.instant())).isTrue();
    }

    @Test
    void delaysAndTemporaryFailuresChangeNothing() throws Exception {
        FakeMail delayed = mail(dsn("delayed", "4.4.1", "tlsrpt@rua-host.test"), REPORTING);
        mailet.service(delayed);
        FakeMail temporary = mail(dsn("failed", "4.2.2", "tlsrpt@rua-host.test"), REPORTING);
        mailet.service(temporary);
        assertThat(suppressions.list(Suppression.Kind.TLS)).isEmpty();
        assertThat(delayed.getState()).isEqualTo(Mail.DEFAULT);
    }

    @Test
    void mailForOthersOrThatIsNoDsnPassesUntouched() throws Exception {
        FakeMail elsewhere = mail(dsn("failed", "5.1.1", "tlsrpt@rua-host.test"), "postmaster@sender.test");
        mailet.service(elsewhere);
        MimeMessage plain = new MimeMessage(Session.getInstance(new Properties()));
        plain.setText("hello");
        plain.saveChanges();
        FakeMail notADsn = mail(plain, REPORTING);
        mailet.service(notADsn);
        assertThat(suppressions.list(Suppression.Kind.TLS)).isEmpty();
        assertThat(elsewhere.getState()).isEqualTo(Mail.DEFAULT);
        assertThat(notADsn.getState()).isEqualTo(Mail.DEFAULT);
    }

    @Test
    void aBounceToSeveralRecipientsOnlyLosesTheReportingAddress() throws Exception {
        suppressions.rememberSent(REPORT_ID, "tlsrpt@rua-host.test", clock.instant());
        FakeMail shared = mail(dsn("failed", "5.7.1", "tlsrpt@rua-host.test"), REPORTING, "postmaster@sender.test");
        mailet.service(shared);
        assertThat(shared.getRecipients()).containsExactly(new MailAddress("postmaster@sender.test"));
        assertThat(shared.getState()).isEqualTo(Mail.DEFAULT);
    }
}
