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
 * The one rule for a reporting address that refuses our reports (TLS or DMARC) for good — a 5xx while we deliver, or a
 * bounce that comes back later: it gets no report of that kind for 30 days (as mox does, mox#295), with the reason as
 * the comment.
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
    public void hardBounce(MailAddress recipient, String reason, String kind) {
        Instant now = clock.instant();
        suppress(kind, recipient.asString(), "the " + label(kind) + " report of " + now + " was refused: " + reason, now);
    }

    /** A delivery status notification says a report mail of {@code kind} to {@code address} failed for good. */
    public void bounced(String kind, String address, String status, String diagnostic) {
        suppress(kind, address, "a " + label(kind) + " report bounced (" + status + " " + diagnostic + ")", clock.instant());
    }

    private void suppress(String kind, String address, String why, Instant now) {
        Suppression.Kind list = kind.equals("dmarc") ? Suppression.Kind.DMARC : Suppression.Kind.TLS;
        suppressions.suppress(list, address, now.plus(PERIOD), "automatic: " + why, now);
        metrics.generate(MailsecMetrics.sent(list == Suppression.Kind.DMARC ? "dmarc" : "tls", "suppressed_automatically"))
            .increment();
        LOG.warn("{} reports to {} suppressed for {} days: {}", label(kind), address, PERIOD.toDays(), why);
    }

    private static String label(String kind) {
        return kind.equals("dmarc") ? "DMARC" : "TLS";
    }
}
