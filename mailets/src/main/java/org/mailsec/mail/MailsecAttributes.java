package org.mailsec.mail;

import org.apache.mailet.AttributeName;

/** Every mail attribute mailsec sets or reads, in one place (the README lists them). */
public final class MailsecAttributes {

    /** {@code true} on a mail that must travel with RFC 8689 REQUIRETLS (set by the SMTP handler or the conf). */
    public static final AttributeName REQUIRE_TLS = AttributeName.of("mailsec.requiretls");
    /** {@code true} on a mail carrying one of our TLS reports. */
    public static final AttributeName OWN_REPORT = AttributeName.of("mailsec.report");
    /** On a mail carrying one of our reports: {@code tls} or {@code dmarc} (which suppression list its bounces feed). */
    public static final AttributeName OWN_REPORT_KIND = AttributeName.of("mailsec.report.kind");
    /** On a received report mail: the ids of the reports stored from it (duplicates are not stored again). */
    public static final AttributeName REPORT_STORED = AttributeName.of("mailsec.report.stored");
    /** On a received report mail: why its report was not stored. */
    public static final AttributeName REPORT_REJECTED = AttributeName.of("mailsec.report.rejected");
    /** On a received report mail: the DKIM alignment verdict, e.g. "DKIM pass d=google.com aligned with google.com". */
    public static final AttributeName REPORT_DKIM = AttributeName.of("mailsec.report.dkim");

    // Set by DmarcHook on every evaluated mail James receives (for matchers: HasMailAttributeWithValue=…)
    /** DMARC result: {@code none}, {@code pass}, {@code fail}, {@code temperror}, {@code permerror}. */
    public static final AttributeName DMARC_RESULT = AttributeName.of("mailsec.dmarc.result");
    /** What DMARC asks for this mail after sampling: {@code none}, {@code quarantine}, {@code reject}. */
    public static final AttributeName DMARC_DISPOSITION = AttributeName.of("mailsec.dmarc.disposition");
    /** The local policy that let a failing mail through: trusted_forwarder, mailing_list or local_policy. */
    public static final AttributeName DMARC_OVERRIDE = AttributeName.of("mailsec.dmarc.override");
    /** The From domain DMARC was evaluated for. */
    public static final AttributeName DMARC_FROM_DOMAIN = AttributeName.of("mailsec.dmarc.from");
    /** SPF result of the MAIL FROM (RFC 7208: pass, fail, softfail, neutral, none, temperror, permerror). */
    public static final AttributeName SPF_RESULT = AttributeName.of("mailsec.spf.result");
    /** SPF result of the HELO name (checked when the reverse path is empty). */
    public static final AttributeName SPF_HELO_RESULT = AttributeName.of("mailsec.spf.helo.result");
    /** DKIM: one "result d=domain s=selector" per signature, comma separated; empty without signatures. */
    public static final AttributeName DKIM_RESULTS = AttributeName.of("mailsec.dkim.results");

    /**
     * The DMARC evaluations of an accepted mail, as JSON, until StoreDmarcEvaluations stores them: stored only once the
     * mail is accepted, never for mail another check refuses after DmarcHook.
     */
    public static final AttributeName DMARC_EVALUATIONS = AttributeName.of("mailsec.dmarc.evaluations");

    private MailsecAttributes() {
    }
}
