package org.mailsec.dmarc.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.List;
import java.util.zip.GZIPInputStream;
import javax.mail.Session;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;
import javax.mail.internet.MimePart;
import org.junit.jupiter.api.Test;
import org.mailsec.testing.TestData;

class AggregateReportMailTest {

    private static AggregateReport report(String id) throws Exception {
        AggregateReport real = AggregateReportXml.read(Files.readAllBytes(TestData.file("dmarc-aggregate/cryinc_google.xml")));
        AggregateReport.Metadata m = real.metadata();
        return new AggregateReport(real.version(), new AggregateReport.Metadata(m.orgName(), m.email(), m.extraContactInfo(),
            id, m.begin(), m.end(), m.errors(), m.generator()), real.policy(), real.records(), real.extensions());
    }

    @Test
    void theMailCarriesTheReportIdInFileNameSubjectAndMessageIdAndTheGzipIsTheXml() throws Exception {
        AggregateReport report = report("a1b2c3");
        byte[] xml = AggregateReportXml.write(report, true);
        MimeMessage mail = AggregateReportMail.message(Session.getInstance(new java.util.Properties()), report, xml,
            new InternetAddress("dmarc-reports@receiver.example"), List.of(new InternetAddress("dmarc@sender.example")),
            "receiver.example");
        // Through the bytes, as the receiving side sees it.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        mail.writeTo(out);
        MimeMessage received = new MimeMessage(Session.getInstance(new java.util.Properties()),
            new java.io.ByteArrayInputStream(out.toByteArray()));
        String domain = report.policy().domain();
        assertThat(received.getSubject()).isEqualTo("Report Domain: " + domain + " Submitter: receiver.example Report-ID: <a1b2c3>");
        assertThat(received.getMessageID()).isEqualTo("<a1b2c3@receiver.example>");
        assertThat(received.getHeader("Auto-Submitted", null)).isEqualTo("auto-generated");
        MimeMultipart parts = (MimeMultipart) received.getContent();
        MimePart attachment = (MimePart) parts.getBodyPart(1);
        assertThat(attachment.getContentType()).startsWith("application/gzip");
        assertThat(attachment.getFileName()).isEqualTo("receiver.example!" + domain + "!" + report.metadata().begin().getEpochSecond()
            + "!" + report.metadata().end().getEpochSecond() + "!a1b2c3.xml.gz");
        assertThat(parts.getBodyPart(0).getContent().toString()).contains(String.valueOf(report.messages()));
        try (InputStream gz = new GZIPInputStream(attachment.getInputStream())) {
            assertThat(gz.readAllBytes()).isEqualTo(xml);
        }
    }

    @Test
    void aReportIdThatCannotBeTheFileNamesUniqueIdIsRefused() throws Exception {
        assertThat(AggregateReportMail.validReportId("9f2c41d0e5b7")).isTrue();
        assertThat(AggregateReportMail.validReportId("a.b@c")).isFalse();
        assertThat(AggregateReportMail.validReportId("")).isFalse();
        AggregateReport report = report("has space");
        assertThatThrownBy(() -> AggregateReportMail.message(Session.getInstance(new java.util.Properties()), report,
            new byte[0], new InternetAddress("a@b.example"), List.of(), "b.example"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unique-id");
    }
}
