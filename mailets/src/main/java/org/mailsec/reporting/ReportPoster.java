package org.mailsec.reporting;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.apache.james.metrics.api.MetricFactory;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.net.HttpsClient;
import org.mailsec.net.RefusedAddressException;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportMail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a report to its https rua (RFC 8460 §5.4): a POST of the gzip'ed JSON through mailsec's pinned client, tried
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
    public boolean post(TlsReport report, String policyDomain, URI endpoint) {
        byte[] body = TlsReportMail.gzip(report);
        List<Duration> waits = settings.httpsRetryDelays();
        for (int attempt = 0; ; attempt++) {
            String failure;
            boolean worthRetrying;
            try {
                int status = https.post(endpoint, "application/tlsrpt+gzip", body, settings.httpsTimeout());
                if (status / 100 == 2) {
                    metrics.generate(MailsecMetrics.TLS_REPORTS_POSTED).increment();
                    LOG.info("TLS report {} for {} posted to {}", report.reportId(), policyDomain, endpoint);
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
                LOG.warn("TLS report for {} not taken by {}: {} (attempt {})", policyDomain, endpoint, failure, attempt + 1);
                break;
            }
            LOG.info("TLS report for {} not taken by {}: {}; trying again in {}", policyDomain, endpoint, failure,
                waits.get(attempt));
            try {
                Thread.sleep(waits.get(attempt).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        metrics.generate(MailsecMetrics.TLS_REPORTS_FAILED).increment();
        return false;
    }
}
