package org.mailsec.app;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Properties;
import javax.activation.DataHandler;
import javax.mail.Session;
import javax.mail.Transport;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;
import javax.mail.util.ByteArrayDataSource;

/** Report mails as a reporter at reporter.example sends them, built and submitted byte for byte. */
final class ReportMails {

    static final String REPORTER = "reports@reporter.example";

    private ReportMails() {
    }

    /** A report mail: a text part and {@code payload} attached as {@code name}, multipart/report for TLS reports. */
    static byte[] withAttachment(String kind, String type, String name, byte[] payload, String subject, String to)
            throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(new InternetAddress(REPORTER));
        message.setRecipient(javax.mail.Message.RecipientType.TO, new InternetAddress(to));
        message.setSubject(subject);
        MimeBodyPart text = new MimeBodyPart();
        text.setText("report attached");
        MimeBodyPart attachment = new MimeBodyPart();
        attachment.setDataHandler(new DataHandler(new ByteArrayDataSource(payload, type)));
        attachment.setFileName(name);
        // base64 keeps the file's bytes, line ends included, as they are.
        attachment.setHeader("Content-Transfer-Encoding", "base64");
        MimeMultipart body = kind.equals("tlsrpt") ? new MimeMultipart("report; report-type=tlsrpt") : new MimeMultipart();
        body.addBodyPart(text);
        body.addBodyPart(attachment);
        message.setContent(body);
        message.saveChanges();
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        message.writeTo(raw);
        return raw.toByteArray();
    }

    /** Submits {@code raw} unchanged (javax.mail must not rewrite a reporter's message) from the reporter to {@code to}. */
    static void sendAsIs(int smtpPort, byte[] raw, String to) throws Exception {
        Properties props = E2e.smtpClient(smtpPort);
        props.put("mail.smtp.from", REPORTER);
        Session session = Session.getInstance(props);
        MimeMessage message = new MimeMessage(session, new ByteArrayInputStream(raw)) {
            @Override
            protected void updateHeaders() {
                // keep the reporter's headers and encodings
            }
        };
        Transport.send(message, new InternetAddress[] {new InternetAddress(to)});
    }
}
