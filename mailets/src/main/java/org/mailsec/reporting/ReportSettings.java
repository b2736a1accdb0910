package org.mailsec.reporting;

import java.security.PrivateKey;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How mailsec signs and sends its TLS reports.
 *
 * @param organization      RFC 8460 organization-name
 * @param submitter         the submitting domain (TLS-Report-Submitter, file names)
 * @param from              the reporting address: From and envelope sender (bounces come back to it)
 * @param contact           RFC 8460 contact-info
 * @param processor         the James processor report mails are handed to (they leave through it)
 * @param sendSuccessOnly   also report days without a failure
 * @param dkim              the DKIM key reports are signed with; empty: unsigned (logged at startup)
 * @param httpsTimeout      for POSTs to https rua endpoints
 * @param httpsRetryDelays  the waits before trying a POST again after a network error, 408, 429 or 5xx
 */
public record ReportSettings(String organization, String submitter, String from, String contact, String processor,
                             boolean sendSuccessOnly, Optional<DkimKey> dkim, Duration httpsTimeout,
                             List<Duration> httpsRetryDelays) {

    /** Two more tries, after 30 seconds and after 2 minutes: enough for a restart or a brief outage. */
    public static final List<Duration> HTTPS_RETRY_DELAYS = List.of(Duration.ofSeconds(30), Duration.ofMinutes(2));

    public ReportSettings {
        httpsRetryDelays = List.copyOf(httpsRetryDelays);
    }

    /** With the default retry delays. */
    public ReportSettings(String organization, String submitter, String from, String contact, String processor,
                          boolean sendSuccessOnly, Optional<DkimKey> dkim, Duration httpsTimeout) {
        this(organization, submitter, from, contact, processor, sendSuccessOnly, dkim, httpsTimeout, HTTPS_RETRY_DELAYS);
    }

    /** A DKIM signing key (RFC 6376): the {@code d=} domain, the {@code s=} selector and the private key. */
    public record DkimKey(String domain, String selector, PrivateKey key) {
    }
}
