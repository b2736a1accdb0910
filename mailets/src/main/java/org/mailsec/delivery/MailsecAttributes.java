package org.mailsec.delivery;

import org.apache.mailet.AttributeName;

/** The mail attributes mailsec's components use to talk to each other inside James. */
public final class MailsecAttributes {

    /** {@code true} on a mail that must travel with RFC 8689 REQUIRETLS (set by the SMTP handler or the conf). */
    public static final AttributeName REQUIRE_TLS = AttributeName.of("mailsec.requiretls");
    /** {@code true} on a mail carrying one of our TLS reports. */
    public static final AttributeName OWN_REPORT = AttributeName.of("mailsec.report");

    private MailsecAttributes() {
    }
}
