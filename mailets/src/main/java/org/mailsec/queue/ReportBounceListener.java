package org.mailsec.queue;

import org.apache.james.core.MailAddress;

/** Told when a receiving server refuses one of our report mails for good (a 5xx answer). */
@FunctionalInterface
public interface ReportBounceListener {

    ReportBounceListener NONE = (recipient, reason, kind) -> { };

    /** {@code kind}: {@code tls} or {@code dmarc}, the report's (its {@code mailsec.report.kind} attribute). */
    void hardBounce(MailAddress recipient, String reason, String kind);
}
