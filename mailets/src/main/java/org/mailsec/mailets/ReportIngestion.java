package org.mailsec.mailets;

import java.io.IOException;
import java.io.OutputStream;
import javax.mail.MessagingException;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.mailsec.io.InputLimits;
import org.mailsec.io.RejectedInputException;

/**
 * What the report-storing mailets share: the mail's bytes read within the size cap, and the attributes that
 * tell what became of a report mail. A report that cannot be read never stops the mail: it goes on to the
 * mailbox, with the reason in {@link #REJECTED}.
 */
final class ReportIngestion {

    /** The ids of the reports stored from this mail (duplicates are not stored again). */
    static final AttributeName STORED = AttributeName.of("mailsec.report.stored");
    /** Why the mail's report was not read. */
    static final AttributeName REJECTED = AttributeName.of("mailsec.report.rejected");

    private ReportIngestion() {
    }

    /** The whole message, refused beyond {@code limits.maxInputBytes()} without reading it all. */
    static byte[] bytes(Mail mail, InputLimits limits) throws RejectedInputException, MessagingException {
        if (mail.getMessageSize() > limits.maxInputBytes()) {
            throw new RejectedInputException("the message is larger than " + limits.maxInputBytes() + " bytes");
        }
        CappedBuffer out = new CappedBuffer(limits.maxInputBytes());
        try {
            mail.getMessage().writeTo(out);
        } catch (IOException e) {
            throw new RejectedInputException("the message cannot be read: " + e.getMessage());
        }
        return out.toByteArray();
    }

    /** Whether {@code domain} is one of James's domains or below one (an MX host of ours reports as itself). */
    static boolean ours(String domain, org.apache.james.domainlist.api.DomainList domains) {
        String name = domain.toLowerCase(java.util.Locale.ROOT);
        try {
            for (org.apache.james.core.Domain d : domains.getDomains()) {
                String ourName = d.asString().toLowerCase(java.util.Locale.ROOT);
                if (name.equals(ourName) || name.endsWith("." + ourName)) {
                    return true;
                }
            }
            return false;
        } catch (org.apache.james.domainlist.api.DomainListException e) {
            // Unknown: store rather than lose a report about a domain that may be ours.
            return true;
        }
    }

    static void rejected(Mail mail, String why) {
        mail.setAttribute(new Attribute(REJECTED, AttributeValue.of(why)));
    }

    static void stored(Mail mail, String ids) {
        mail.setAttribute(new Attribute(STORED, AttributeValue.of(ids)));
    }

    /** An in-memory buffer that refuses to grow past a cap. */
    private static final class CappedBuffer extends OutputStream {
        private final java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
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
