package org.mailsec.dmarc.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Date;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import javax.mail.Message;
import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;
import javax.mail.util.ByteArrayDataSource;

/**
 * How a DMARC aggregate report of ours is mailed (RFC 9990 §3, "Email"; RFC 7489 §7.2.1.1 the same): the gzip'ed XML
 * as an {@code application/gzip} attachment named {@code receiver!policy-domain!begin!end!report-id.xml.gz}, a short
 * text part, and a Subject and Message-ID carrying the same Report-ID as the XML, so a receiver can tell a re-sent
 * report from a new one.
 */
public final class AggregateReportMail {

    private AggregateReportMail() {
    }

    /** The report XML, gzip'ed. */
    public static byte[] gzip(byte[] xml) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(xml.length / 8 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(xml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * RFC 9990's file name: {@code receiver "!" policy-domain "!" begin "!" end "!" unique-id ".xml.gz"}, times as Unix
     * seconds; the report id is the unique-id, so it must be letters and digits only (see {@link #validReportId}).
     */
    public static String fileName(String receiver, AggregateReport report) {
        AggregateReport.Metadata m = report.metadata();
        return receiver + "!" + report.policy().domain() + "!" + m.begin().getEpochSecond() + "!" + m.end().getEpochSecond()
            + "!" + m.reportId() + ".xml.gz";
    }

    /** {@code Report Domain: D Submitter: S Report-ID: <id>} (RFC 9990 dmarc-subject, with ridtxt in brackets). */
    public static String subject(String policyDomain, String submitter, String reportId) {
        return "Report Domain: " + policyDomain + " Submitter: " + submitter + " Report-ID: <" + reportId + ">";
    }

    /** A report id that fits the file name's unique-id ({@code 1*(ALPHA / DIGIT)}) and hence the Subject's ridtxt. */
    public static boolean validReportId(String id) {
        return id != null && !id.isEmpty() && id.length() <= 64 && id.chars().allMatch(c -> c < 128 && Character.isLetterOrDigit(c));
    }

    /**
     * The report mail, ready for DKIM signing and sending.
     *
     * @param xml       the report as written ({@link AggregateReportXml#write})
     * @param from      the reporting address
     * @param to        the policy domain's {@code mailto:} rua addresses that take this report
     * @param submitter the reporting domain (the file name's receiver, the Subject's Submitter)
     */
    public static MimeMessage message(Session session, AggregateReport report, byte[] xml, InternetAddress from,
                                      List<InternetAddress> to, String submitter) throws MessagingException {
        String id = report.metadata().reportId();
        if (!validReportId(id)) {
            throw new IllegalArgumentException("report id '" + id + "' is not letters and digits (RFC 9990 unique-id)");
        }
        String domain = report.policy().domain();
        MimeMessage message = new MimeMessage(session);
        message.setFrom(from);
        message.setRecipients(Message.RecipientType.TO, to.toArray(new InternetAddress[0]));
        message.setSubject(subject(domain, submitter, id), "UTF-8");
        message.setSentDate(new Date());
        // RFC 3834: machine-made; no vacation reply or other auto-answer should come back.
        message.setHeader("Auto-Submitted", "auto-generated");

        MimeBodyPart text = new MimeBodyPart();
        text.setText("This is a DMARC aggregate report from " + submitter + " about " + domain + " for "
            + report.metadata().begin() + " to " + report.metadata().end() + ": " + report.messages()
            + " messages in " + report.records().size() + " records (RFC 9990).\r\n", "UTF-8");

        MimeBodyPart attachment = new MimeBodyPart();
        attachment.setDataHandler(new javax.activation.DataHandler(new ByteArrayDataSource(gzip(xml), "application/gzip")));
        attachment.setFileName(fileName(submitter, report));
        attachment.setDisposition(MimeBodyPart.ATTACHMENT);
        attachment.setHeader("Content-Transfer-Encoding", "base64");

        MimeMultipart multipart = new MimeMultipart("mixed");
        multipart.addBodyPart(text);
        multipart.addBodyPart(attachment);
        message.setContent(multipart);
        message.saveChanges();
        // saveChanges() names the local host in Message-ID; the report id and the submitter instead (RFC 9990).
        message.setHeader("Message-ID", "<" + id + "@" + submitter + ">");
        return message;
    }
}
