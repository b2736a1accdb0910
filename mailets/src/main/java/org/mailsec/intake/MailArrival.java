package org.mailsec.intake;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;
import org.apache.mailet.Mail;
import org.mailsec.io.RejectedInputException;

/** A report mail as the intake takes it: its bytes, read within the input cap, and where it came from. */
public final class MailArrival {

    private MailArrival() {
    }

    public static Arrival of(Mail mail) {
        String sender = mail.getMaybeSender().asString("");
        String senderDomain = mail.getMaybeSender().asOptional().map(a -> a.getDomain().asString()).orElse("");
        return new Arrival(Arrival.Channel.MAIL, mail.getName(), mail.getName() + ".eml", senderDomain, sender,
            header(mail, "Message-ID"), header(mail, "Subject"), fromHeader(mail));
    }

    /** The whole message, refused beyond {@code maxBytes} without reading it all. */
    public static byte[] bytes(Mail mail, long maxBytes) throws RejectedInputException, MessagingException {
        if (mail.getMessageSize() > maxBytes) {
            throw new RejectedInputException("the message is larger than " + maxBytes + " bytes");
        }
        CappedBuffer out = new CappedBuffer(maxBytes);
        try {
            mail.getMessage().writeTo(out);
        } catch (IOException e) {
            throw new RejectedInputException("the message cannot be read: " + e.getMessage());
        }
        return out.toByteArray();
    }

    private static String fromHeader(Mail mail) {
        try {
            return mail.getMessage().getHeader("From", ",");
        } catch (MessagingException e) {
            return null;
        }
    }

    /** A header unfolded to one line; empty when absent or unreadable (it only labels a refusal row). */
    private static String header(Mail mail, String name) {
        try {
            MimeMessage message = mail.getMessage();
            String value = message.getHeader(name, " ");
            return value == null ? "" : value.replaceAll("\\s+", " ").trim();
        } catch (MessagingException e) {
            return "";
        }
    }

    /** An in-memory buffer that refuses to grow past a cap. */
    private static final class CappedBuffer extends OutputStream {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final long cap;

        CappedBuffer(long cap) {
            this.cap = cap;
        }

        @Override
        public void write(int b) throws IOException {
            check(1);
            buffer.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            check(len);
            buffer.write(b, off, len);
        }

        private void check(int more) throws IOException {
            if (buffer.size() + (long) more > cap) {
                throw new IOException("larger than " + cap + " bytes");
            }
        }

        byte[] toByteArray() {
            return buffer.toByteArray();
        }
    }
}
