package org.mailsec.tlsrpt;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
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
 * How a TLS report is delivered (RFC 8460 §5): the gzip'ed JSON, its file name, and the report mail
 * ({@code multipart/report; report-type="tlsrpt"} with a human-readable part and the report).
 */
public final class TlsReportMail {

    public static final String REPORT_DOMAIN_HEADER = "TLS-Report-Domain";
    public static final String REPORT_SUBMITTER_HEADER = "TLS-Report-Submitter";

    private TlsReportMail() {
    }

    /** The report, gzip'ed, as sent by mail ({@code application/tlsrpt+gzip}) or HTTPS POST. */
    public static byte[] gzip(TlsReport report) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(TlsReportJson.write(report));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** RFC 8460 §5.1 file name: {@code submitter!policy-domain!begin!end.json.gz}, times as Unix seconds. */
    public static String fileName(String submitter, String policyDomain, TlsReport report) {
        return submitter + "!" + policyDomain + "!" + report.start().getEpochSecond() + "!"
            + report.end().getEpochSecond() + ".json.gz";
    }

    /** RFC 8460 §5.3 subject: {@code Report Domain: D Submitter: S Report-ID: <id>}. */
    public static String subject(String policyDomain, String submitter, String reportId) {
        return "Report Domain: " + policyDomain + " Submitter: " + submitter + " Report-ID: <" + reportId + ">";
    }

    /**
     * The report mail, ready for DKIM signing and sending.
     *
     * @param from          the reporting address, also the envelope identity bounces come back to
     * @param to            the policy domain's {@code mailto:} rua addresses
     * @param submitter     the submitting domain (RFC 8460 §5.3 TLS-Report-Submitter)
     * @param policyDomain  the domain the report is about
     */
    public static MimeMessage message(Session session, TlsReport report, InternetAddress from, List<InternetAddress> to,
                                      String submitter, String policyDomain) throws MessagingException {
        MimeMessage message = new MimeMessage(session);
        message.setFrom(from);
        message.setRecipients(Message.RecipientType.TO, to.toArray(new InternetAddress[0]));
        message.setSubject(subject(policyDomain, submitter, report.reportId()), "UTF-8");
        message.setSentDate(new Date());
        message.setHeader(REPORT_DOMAIN_HEADER, policyDomain);
        message.setHeader(REPORT_SUBMITTER_HEADER, submitter);
        // RFC 8460 §5.3 / RFC 8689: a report about TLS problems must be deliverable despite them.
        message.setHeader("TLS-Required", "No");

        MimeBodyPart text = new MimeBodyPart();
        text.setText("This is an aggregate TLS report from " + submitter + " about " + policyDomain + " for "
            + report.start() + " to " + report.end() + " (RFC 8460).\r\n", "UTF-8");

        MimeBodyPart attachment = new MimeBodyPart();
        attachment.setDataHandler(new javax.activation.DataHandler(
            new ByteArrayDataSource(gzip(report), "application/tlsrpt+gzip")));
        attachment.setFileName(fileName(submitter, policyDomain, report));
        attachment.setDisposition(MimeBodyPart.ATTACHMENT);
        attachment.setHeader("Content-Transfer-Encoding", "base64");

        MimeMultipart multipart = new MimeMultipart("report; report-type=\"tlsrpt\"");
        multipart.addBodyPart(text);
        multipart.addBodyPart(attachment);
        message.setContent(multipart);
        message.saveChanges();
        // saveChanges() replaces Message-ID with one naming the local host; name the submitter instead.
        message.setHeader("Message-ID", "<" + UUID.randomUUID() + "@" + submitter + ">");
        return message;
    }

    /** A session for building messages (no transport). */
    public static Session session() {
        return Session.getInstance(new Properties());
    }

}
