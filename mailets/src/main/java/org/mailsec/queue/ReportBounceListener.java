package org.mailsec.queue;

import org.apache.james.core.MailAddress;

/** Told when a receiving server refuses one of our TLS report mails for good (a 5xx answer). */
@FunctionalInterface
public interface ReportBounceListener {

    ReportBounceListener NONE = (recipient, reason) -> { };

    void hardBounce(MailAddress recipient, String reason);
}
