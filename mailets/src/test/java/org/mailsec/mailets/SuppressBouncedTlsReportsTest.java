package org.mailsec.mailets;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
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
import org.mailsec.reporting.ReportSettings;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.suppression.JdbcSuppressionList;
import org.mailsec.store.suppression.Suppression;
import org.mailsec.testing.MovableClock;

class SuppressBouncedTlsReportsTest {

    private static final String REPORTING = "tlsrpt-noreply@sender.test";

    private Database database;
    private JdbcSuppressionList suppressions;
    private final MovableClock clock = new MovableClock(Instant.parse("2026-11-22T06:00:00Z"));
    private SuppressBouncedTlsReports mailet;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        database = Database.open(StoreConfig.embedded(dir));
        suppressions = new JdbcSuppressionList(database);
        ReportSettings settings = new ReportSettings("Sender", "sender.test", REPORTING, REPORTING, "transport", false,
            Optional.empty(), Duration.ofSeconds(5));
        mailet = new SuppressBouncedTlsReports(suppressions, settings, clock);
        mailet.init(FakeMailetConfig.builder().mailetName("SuppressBouncedTlsReports").build());
    }

    @AfterEach
    void stop() {
        database.close();
    }

    /** A DSN as an MTA sends it back for a report it could not deliver. */
    private static MimeMessage dsn(String action, String status, String failedRecipient) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(new InternetAddress("MAILER-DAEMON@rua-host.test"));
        message.setRecipient(javax.mail.Message.RecipientType.TO, new InternetAddress(REPORTING));
        message.setSubject("Undelivered Mail Returned to Sender");
        MimeBodyPart text = new MimeBodyPart();
        text.setText("Your report could not be delivered.");
        MimeBodyPart status1 = new MimeBodyPart();
        status1.setContent("Reporting-MTA: dns; rua-host.test\r\nArrival-Date: Sun, 22 Nov 2026 00:06:00 +0000\r\n\r\n"
            + "Final-Recipient: rfc822; " + failedRecipient + "\r\nOriginal-Recipient: rfc822;" + failedRecipient + "\r\n"
            + "Action: " + action + "\r\nStatus: " + status + "\r\nDiagnostic-Code: smtp; 550 5.1.1 mailbox unknown\r\n",
            "message/delivery-status");
        MimeBodyPart headers = new MimeBodyPart();
        headers.setContent("TLS-Report-Domain: example.test\r\nTLS-Report-Submitter: sender.test\r\n", "text/rfc822-headers");
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
        FakeMail shared = mail(dsn("failed", "5.7.1", "tlsrpt@rua-host.test"), REPORTING, "postmaster@sender.test");
        mailet.service(shared);
        assertThat(shared.getRecipients()).containsExactly(new MailAddress("postmaster@sender.test"));
        assertThat(shared.getState()).isEqualTo(Mail.DEFAULT);
    }
}
