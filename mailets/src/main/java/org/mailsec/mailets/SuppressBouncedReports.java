package org.mailsec.mailets;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.inject.Inject;
import javax.mail.BodyPart;
import javax.mail.MessagingException;
import javax.mail.internet.ContentType;
import javax.mail.internet.InternetHeaders;
import javax.mail.internet.MimeMultipart;
import org.apache.james.core.MailAddress;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.mailsec.reporting.AutoSuppression;
import org.mailsec.reporting.ReportSenders;
import org.mailsec.store.suppression.SuppressionList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the bounces our reports cause. A delivery status notification (RFC 3464) sent to the address our TLS or
 * DMARC reports come from that says a report failed for good (Action: failed, Status: 5.x.x) suppresses that
 * reporting address for 30 days for that kind of report, with the diagnostic as the comment, but only when the DSN returns the headers of
 * a report mail we sent to that address in the last 30 days (its Message-ID): anyone can mail a DSN, and a forged
 * one must not silence anyone's reports. Bounces that suppressed are consumed, since nobody reads the reporting
 * address; other mail, forged bounces included, passes untouched. Place it early in the root processor:
 * {@code <mailet match="All" class="org.mailsec.mailets.SuppressBouncedReports"/>}.
 */
public class SuppressBouncedReports extends GenericMailet {

    private static final Logger LOG = LoggerFactory.getLogger(SuppressBouncedReports.class);

    /** One failed recipient of a DSN. */
    record Failure(String address, String status, String diagnostic) {
    }

    private final SuppressionList suppressions;
    private final AutoSuppression autoSuppression;
    private final ReportSenders senders;
    private final Clock clock;

    @Inject
    public SuppressBouncedReports(SuppressionList suppressions, ReportSenders senders, MetricFactory metrics, Clock clock) {
        this.suppressions = suppressions;
        this.senders = senders;
        this.clock = clock;
        this.autoSuppression = new AutoSuppression(suppressions, metrics, clock);
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        Optional<String> kind = senders.kindOf(mail);
        if (kind.isEmpty()) {
            return;
        }
        MailAddress reportingAddress = new MailAddress(senders.of(kind.get()));
        List<Failure> failures;
        String originalMessageId;
        try {
            failures = failures(mail);
            originalMessageId = failures.isEmpty() ? null : originalMessageId(mail);
        } catch (IOException | MessagingException | RuntimeException e) {
            LOG.info("mail {} to the {} reporting address is not a readable bounce: {}", mail.getName(), kind.get(), e.getMessage());
            return;
        }
        if (failures.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        int suppressed = 0;
        for (Failure failure : failures) {
            if (originalMessageId == null || !suppressions.wasSent(originalMessageId, failure.address(), now.minus(AutoSuppression.PERIOD))) {
                LOG.warn("bounce {} names {} but returns no report mail we sent there (Message-ID {}): nothing suppressed",
                    mail.getName(), failure.address(), originalMessageId);
                continue;
            }
            autoSuppression.bounced(kind.get(), failure.address(), failure.status(), failure.diagnostic());
            suppressed++;
        }
        if (suppressed == 0) {
            return;
        }
        if (mail.getRecipients().size() == 1) {
            mail.setState(Mail.GHOST);
        } else {
            List<MailAddress> others = new ArrayList<>(mail.getRecipients());
            others.removeIf(r -> r.asString().equalsIgnoreCase(reportingAddress.asString()));
            mail.setRecipients(others);
        }
    }

    /** The permanent failures a DSN reports (RFC 3464 §2.3), or none when the mail is no DSN. */
    static List<Failure> failures(Mail mail) throws MessagingException, IOException {
        ContentType type = new ContentType(mail.getMessage().getContentType());
        if (!type.match("multipart/report") || !"delivery-status".equalsIgnoreCase(type.getParameter("report-type"))) {
            return List.of();
        }
        MimeMultipart report = (MimeMultipart) mail.getMessage().getContent();
        List<Failure> failures = new ArrayList<>();
        for (int i = 0; i < report.getCount(); i++) {
            BodyPart part = report.getBodyPart(i);
            if (part.isMimeType("message/delivery-status")) {
                try (InputStream in = part.getInputStream()) {
                    failures.addAll(parse(new String(in.readNBytes(64 * 1024), java.nio.charset.StandardCharsets.UTF_8)));
                }
            }
        }
        return failures;
    }

    /**
     * The Message-ID of the mail a DSN returns: from its third part, the whole message (message/rfc822) or its
     * headers (text/rfc822-headers), RFC 3462 §2. Null when the DSN returns neither.
     */
    static String originalMessageId(Mail mail) throws MessagingException, IOException {
        MimeMultipart report = (MimeMultipart) mail.getMessage().getContent();
        for (int i = 0; i < report.getCount(); i++) {
            BodyPart part = report.getBodyPart(i);
            if (part.isMimeType("message/rfc822") || part.isMimeType("text/rfc822-headers")) {
                try (InputStream in = part.getInputStream()) {
                    InternetHeaders headers = new InternetHeaders(new java.io.ByteArrayInputStream(in.readNBytes(64 * 1024)));
                    String id = first(headers, "Message-ID");
                    return id.isEmpty() ? null : id;
                }
            }
        }
        return null;
    }

    /** The per-recipient blocks of a delivery-status body that say the delivery failed for good. */
    static List<Failure> parse(String deliveryStatus) throws MessagingException {
        List<Failure> failures = new ArrayList<>();
        String[] blocks = deliveryStatus.replace("\r\n", "\n").split("\n\\s*\n");
        // The first block describes the message; each later block one recipient.
        for (int b = 1; b < blocks.length; b++) {
            InternetHeaders fields = new InternetHeaders(new java.io.ByteArrayInputStream(
                (blocks[b].trim() + "\n\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            String action = first(fields, "Action").toLowerCase(Locale.ROOT);
            String status = first(fields, "Status");
            String recipient = first(fields, "Final-Recipient");
            if (action.equals("failed") && status.startsWith("5") && recipient.contains(";")) {
                failures.add(new Failure(recipient.substring(recipient.indexOf(';') + 1).trim(), status,
                    first(fields, "Diagnostic-Code")));
            }
        }
        return failures;
    }

    private static String first(InternetHeaders fields, String name) {
        String[] values = fields.getHeader(name);
        return values == null || values.length == 0 ? "" : values[0].trim();
    }
}
