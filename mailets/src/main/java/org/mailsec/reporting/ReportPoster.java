package org.mailsec.reporting;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.james.metrics.api.MetricFactory;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.net.HttpsClient;
import org.mailsec.net.RefusedAddressException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a report to its https rua (RFC 8460 §5.4): a POST of its body (a TLS report's gzip'ed JSON) through mailsec's pinned client, tried
 * again after a network error, 408, 429 or 5xx, never again after another 4xx or a refused address.
 */
public final class ReportPoster {

    private static final Logger LOG = LoggerFactory.getLogger(ReportPoster.class);

    private final HttpsClient https;
    private final ReportSettings settings;
    private final MetricFactory metrics;

    public ReportPoster(HttpsClient https, ReportSettings settings, MetricFactory metrics) {
        this.https = https;
        this.settings = settings;
        this.metrics = metrics;
    }

    /** POSTs the report, trying again after transient failures; true when the endpoint took it. */
    public boolean post(OutgoingReport report, String policyDomain, URI endpoint) {
        String kind = ReportMailer.label(report);
        Optional<OutgoingReport.Post> post = report.post();
        if (post.isEmpty()) {
            LOG.info("{} report for {}: {} reports are not posted; https rua {} ignored", kind, policyDomain, kind, endpoint);
            metrics.generate(MailsecMetrics.sent(report.kind(), "failed")).increment();
            return false;
        }
        List<Duration> waits = settings.httpsRetryDelays();
        for (int attempt = 0; ; attempt++) {
            String failure;
            boolean worthRetrying;
            try {
                int status = https.post(endpoint, post.get().contentType(), post.get().body(), settings.httpsTimeout());
                if (status / 100 == 2) {
                    metrics.generate(MailsecMetrics.sent(report.kind(), "posted")).increment();
                    LOG.info("{} report {} for {} posted to {}", kind, report.reportId(), policyDomain, endpoint);
                    return true;
                }
                failure = "HTTP " + status;
                worthRetrying = status == 408 || status == 429 || status / 100 == 5;
            } catch (RefusedAddressException e) {
                // The rua's host is this network's own (SSRF): never tried again.
                failure = "refused address: " + e.getMessage();
                worthRetrying = false;
            } catch (IOException e) {
                failure = e.toString();
                worthRetrying = true;
            }
            if (!worthRetrying || attempt >= waits.size()) {
                LOG.warn("{} report for {} not taken by {}: {} (attempt {})", kind, policyDomain, endpoint, failure, attempt + 1);
                break;
            }
            LOG.info("{} report for {} not taken by {}: {}; trying again in {}", kind, policyDomain, endpoint, failure,
                waits.get(attempt));
            try {
                Thread.sleep(waits.get(attempt).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        metrics.generate(MailsecMetrics.sent(report.kind(), "failed")).increment();
        return false;
    }
}
