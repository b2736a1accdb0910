package org.mailsec.reporting;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.mail.MessagingException;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import org.apache.james.core.MailAddress;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.MailetContext;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.mail.MailsecAttributes;
import org.mailsec.store.suppression.SuppressionList;
import org.mailsec.tlsrpt.TlsReportMail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a report to its mailto rua: composes the multipart report mail (RFC 8460 §5.3), DKIM-signs it, remembers
 * where it went (so that its bounces, and only theirs, can suppress) and hands it to James's pipeline.
 */
public final class ReportMailer {

    private static final Logger LOG = LoggerFactory.getLogger(ReportMailer.class);

    private final MailetContext mailetContext;
    private final ReportSettings settings;
    private final Optional<ReportDkimSigner> signer;
    private final SuppressionList suppressions;
    private final MetricFactory metrics;
    private final Clock clock;

    public ReportMailer(MailetContext mailetContext, ReportSettings settings, SuppressionList suppressions,
                        MetricFactory metrics, Clock clock) {
        this.mailetContext = mailetContext;
        this.settings = settings;
        this.signer = settings.dkim().map(ReportDkimSigner::new);
        this.suppressions = suppressions;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** True when the mail was queued in James. */
    public boolean send(OutgoingReport report, String policyDomain, List<InternetAddress> to) {
        MailImpl mail = null;
        String kind = label(report);
        try {
            MimeMessage message = report.mail(TlsReportMail.session(), new InternetAddress(settings.from()), to,
                settings.submitter(), policyDomain);
            if (signer.isPresent()) {
                signer.get().sign(message);
            }
            MailImpl.Builder builder = MailImpl.builder().name(report.kind() + "rpt-" + policyDomain + "-" + report.reportId())
                .sender(new MailAddress(settings.from())).mimeMessage(message)
                .addAttribute(new Attribute(MailsecAttributes.OWN_REPORT, AttributeValue.of(true)))
                .addAttribute(new Attribute(MailsecAttributes.OWN_REPORT_KIND, AttributeValue.of(report.kind())));
            for (InternetAddress address : to) {
                builder.addRecipient(new MailAddress(address));
            }
            mail = builder.build();
            rememberSent(message, to, kind, policyDomain);
            mailetContext.sendMail(mail, settings.processor());
            metrics.generate(MailsecMetrics.sent(report.kind(), "queued")).increment();
            LOG.info("{} report {} for {} queued to {}", kind, report.reportId(), policyDomain, to);
            return true;
        } catch (MessagingException | RuntimeException e) {
            metrics.generate(MailsecMetrics.sent(report.kind(), "failed")).increment();
            LOG.warn("{} report for {} could not be queued", kind, policyDomain, e);
            return false;
        } finally {
            LifecycleUtil.dispose(mail);
        }
    }

    /** "TLS" or "DMARC", for logs. */
    static String label(OutgoingReport report) {
        return report.kind().toUpperCase(java.util.Locale.ROOT);
    }

    /**
     * Remembers which addresses the report mail went to, before it leaves, so that their bounce (and only theirs)
     * can suppress them. A store that refuses costs that attribution only: the report still goes.
     */
    private void rememberSent(MimeMessage message, List<InternetAddress> to, String kind, String policyDomain) {
        try {
            String messageId = message.getMessageID();
            if (messageId == null) {
                return;
            }
            Instant now = clock.instant();
            for (InternetAddress address : to) {
                suppressions.rememberSent(messageId, address.getAddress(), now);
            }
        } catch (MessagingException | RuntimeException e) {
            LOG.warn("{} report for {}: cannot remember where it went; its bounces will not suppress: {}", kind, policyDomain,
                e.getMessage());
        }
    }
}
