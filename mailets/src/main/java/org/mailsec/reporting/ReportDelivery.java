package org.mailsec.reporting;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.mail.internet.AddressException;
import javax.mail.internet.InternetAddress;
import org.apache.james.metrics.api.MetricFactory;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.store.suppression.Suppression;
import org.mailsec.store.suppression.SuppressionList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One report to every destination its rua names: the mailto addresses that are not suppressed and name a domain go in
 * one mail ({@link ReportMailer}), each https endpoint gets a POST ({@link ReportPoster}).
 */
public final class ReportDelivery {

    /** What became of a report: something went out, nothing could, or there was nothing to try (no usable address). */
    public enum Result {
        SENT, FAILED, NOTHING_TO_TRY;

        /** Whether the (policy domain, period) is done: a failure is retried by the next run, nothing else is. */
        public boolean done() {
            return this != FAILED;
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ReportDelivery.class);

    private final ReportMailer mailer;
    private final ReportPoster poster;
    private final SuppressionList suppressions;
    private final Suppression.Kind suppressionKind;
    private final MetricFactory metrics;
    private final Clock clock;

    public ReportDelivery(ReportMailer mailer, ReportPoster poster, SuppressionList suppressions,
                          Suppression.Kind suppressionKind, MetricFactory metrics, Clock clock) {
        this.mailer = mailer;
        this.poster = poster;
        this.suppressions = suppressions;
        this.suppressionKind = suppressionKind;
        this.metrics = metrics;
        this.clock = clock;
    }

    public Result deliver(OutgoingReport report, String policyDomain, List<String> mailtoAddresses, List<URI> httpsEndpoints,
                          ReportRun.Tally tally) {
        Instant now = clock.instant();
        List<InternetAddress> mailto = new ArrayList<>();
        for (String address : mailtoAddresses) {
            if (suppressions.suppressed(suppressionKind, address, now)) {
                tally.suppressed.incrementAndGet();
                metrics.generate(MailsecMetrics.sent(report.kind(), "suppressed")).increment();
                continue;
            }
            if (address.contains("@[")) {
                // An address literal names a host, not a domain: it could point reports into this network.
                LOG.info("{} report for {}: rua address {} is an address literal; refused", report.kind(), policyDomain, address);
                continue;
            }
            try {
                mailto.add(new InternetAddress(address, true));
            } catch (AddressException e) {
                LOG.info("{} report for {}: rua address {} is not usable", report.kind(), policyDomain, address);
            }
        }
        boolean sent = false;
        if (!mailto.isEmpty()) {
            if (mailer.send(report, policyDomain, mailto)) {
                tally.mailed.incrementAndGet();
                sent = true;
            } else {
                tally.failed.incrementAndGet();
            }
        }
        // A kind that is only mailed (DMARC aggregate reports) has no https destination: such a rua is nothing to try.
        List<URI> posts = report.post().isPresent() ? httpsEndpoints : List.of();
        for (URI endpoint : posts) {
            if (poster.post(report, policyDomain, endpoint)) {
                tally.posted.incrementAndGet();
                sent = true;
            } else {
                tally.failed.incrementAndGet();
            }
        }
        if (sent) {
            return Result.SENT;
        }
        // Suppressed or unusable addresses are not retried either.
        return mailto.isEmpty() && posts.isEmpty() ? Result.NOTHING_TO_TRY : Result.FAILED;
    }
}
