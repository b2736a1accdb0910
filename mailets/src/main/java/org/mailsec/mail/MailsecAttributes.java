package org.mailsec.mail;

import org.apache.mailet.AttributeName;

/** Every mail attribute mailsec sets or reads, in one place (the README lists them). */
public final class MailsecAttributes {

    /** {@code true} on a mail that must travel with RFC 8689 REQUIRETLS (set by the SMTP handler or the conf). */
    public static final AttributeName REQUIRE_TLS = AttributeName.of("mailsec.requiretls");
    /** {@code true} on a mail carrying one of our TLS reports. */
    public static final AttributeName OWN_REPORT = AttributeName.of("mailsec.report");
    /** On a received report mail: the ids of the reports stored from it (duplicates are not stored again). */
    public static final AttributeName REPORT_STORED = AttributeName.of("mailsec.report.stored");
    /** On a received report mail: why its report was not stored. */
    public static final AttributeName REPORT_REJECTED = AttributeName.of("mailsec.report.rejected");
    /** On a received report mail: the DKIM alignment verdict, e.g. "DKIM pass d=google.com aligned with google.com". */
    public static final AttributeName REPORT_DKIM = AttributeName.of("mailsec.report.dkim");

    private MailsecAttributes() {
    }
}
