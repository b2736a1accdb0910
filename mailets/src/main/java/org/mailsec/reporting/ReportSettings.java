package org.mailsec.reporting;

import java.security.PrivateKey;
import java.time.Duration;
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
 */
public record ReportSettings(String organization, String submitter, String from, String contact, String processor,
                             boolean sendSuccessOnly, Optional<DkimKey> dkim, Duration httpsTimeout) {

    /** A DKIM signing key (RFC 6376): the {@code d=} domain, the {@code s=} selector and the private key. */
    public record DkimKey(String domain, String selector, PrivateKey key) {
    }
}
