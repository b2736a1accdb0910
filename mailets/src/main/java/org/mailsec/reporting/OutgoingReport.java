package org.mailsec.reporting;

import java.util.List;
import java.util.Optional;
import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;

/**
 * A report of ours ready to go, of whatever kind: what the mailto sender ({@link ReportMailer}) and the https poster
 * ({@link ReportPoster}) need of it. TLS reports are one kind ({@link TlsOutgoingReport}); DMARC aggregate reports
 * plug in the same way.
 */
public interface OutgoingReport {

    /** A body to POST and its media type. */
    record Post(String contentType, byte[] body) {
    }

    /** {@code tls} or {@code dmarc}: the infix of the metric names ({@link org.mailsec.metrics.MailsecMetrics#sent}). */
    String kind();

    String reportId();

    /** The report mail, unsigned (the sender signs it). */
    MimeMessage mail(Session session, InternetAddress from, List<InternetAddress> to, String submitter,
                     String policyDomain) throws MessagingException;

    /** What an https rua is sent; empty for a kind that is only mailed. */
    Optional<Post> post();
}
