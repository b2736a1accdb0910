package org.mailsec.reporting;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.james.core.MailAddress;
import org.apache.james.metrics.api.MetricFactory;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.store.suppression.Suppression;
import org.mailsec.store.suppression.SuppressionList;
import org.mailsec.queue.ReportBounceListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one rule for a reporting address that refuses our TLS reports for good — a 5xx while we deliver, or a bounce
 * that comes back later: it gets no report for 30 days (as mox does, mox#295), with the reason as the comment.
 */
public final class AutoSuppression implements ReportBounceListener {

    /** How long an address that refused a report gets none, and how far back a bounce may refer to a report. */
    public static final Duration PERIOD = Duration.ofDays(30);
    private static final Logger LOG = LoggerFactory.getLogger(AutoSuppression.class);

    private final SuppressionList suppressions;
    private final MetricFactory metrics;
    private final Clock clock;

    public AutoSuppression(SuppressionList suppressions, MetricFactory metrics, Clock clock) {
        this.suppressions = suppressions;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** The server answered our report mail with a permanent failure. */
    @Override
    public void hardBounce(MailAddress recipient, String reason) {
        Instant now = clock.instant();
        suppress(recipient.asString(), "the TLS report of " + now + " was refused: " + reason, now);
    }

    /** A delivery status notification says a report mail to {@code address} failed for good. */
    public void bounced(String address, String status, String diagnostic) {
        suppress(address, "a TLS report bounced (" + status + " " + diagnostic + ")", clock.instant());
    }

    private void suppress(String address, String why, Instant now) {
        suppressions.suppress(Suppression.Kind.TLS, address, now.plus(PERIOD), "automatic: " + why, now);
        metrics.generate(MailsecMetrics.TLS_REPORTS_SUPPRESSED_AUTOMATICALLY).increment();
        LOG.warn("TLS reports to {} suppressed for {} days: {}", address, PERIOD.toDays(), why);
    }
}
