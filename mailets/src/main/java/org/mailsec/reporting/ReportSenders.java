package org.mailsec.reporting;

import java.util.Optional;
import org.apache.mailet.Mail;
import org.apache.james.core.MailAddress;

/**
 * The addresses our reports come from, one per kind: the envelope sender their bounces return to, and how a bounce
 * says which kind of report (and so which suppression list) it is about.
 *
 * @param tls   the From of our TLS reports
 * @param dmarc the From of our DMARC aggregate reports
 */
public record ReportSenders(String tls, String dmarc) {

    /** {@code tls} or {@code dmarc} for a mail to one of the two addresses (the first found), else empty. */
    public Optional<String> kindOf(Mail mail) {
        for (MailAddress recipient : mail.getRecipients()) {
            if (recipient.asString().equalsIgnoreCase(tls)) {
                return Optional.of("tls");
            }
            if (recipient.asString().equalsIgnoreCase(dmarc)) {
                return Optional.of("dmarc");
            }
        }
        return Optional.empty();
    }

    /** The address of reports of {@code kind}. */
    public String of(String kind) {
        return kind.equals("dmarc") ? dmarc : tls;
    }
}
