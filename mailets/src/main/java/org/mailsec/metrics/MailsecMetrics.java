package org.mailsec.metrics;

import java.util.Locale;
import org.mailsec.tlsrpt.ResultType;

/**
 * Every metric mailsec feeds into James's {@code MetricFactory} (and so into webadmin's Prometheus endpoint), in one
 * place; the README lists them. Counters unless said otherwise.
 */
public final class MailsecMetrics {

    // Delivery (SecureRemoteDelivery)
    /** TLS negotiations that passed their policy. */
    public static final String TLS_SUCCESS = "mailsec_tls_success";
    /** TLS negotiations that failed, all result types; {@link #tlsFailure} per type. */
    public static final String TLS_FAILURE = "mailsec_tls_failure";
    /** Mails delivered. */
    public static final String OUTGOING_MAILS = "mailsec_outgoing_mails";
    /** Timer: one delivery attempt. */
    public static final String DELIVERY_TRIAL = "mailsec_delivery_trial";
    /** Timer: planning one delivery (DNS, MTA-STS, DANE). */
    public static final String DELIVERY_PLAN = "mailsec_delivery_plan";
    /** New connections whose TLS handshake resumed an earlier session (and whose chain passed the policy again). */
    public static final String TLS_SESSIONS_RESUMED = "mailsec_tls_sessions_resumed";
    /** Mails sent over a connection kept from an earlier mail (no new connection, no new TLS session). */
    public static final String SMTP_CONNECTIONS_REUSED = "mailsec_smtp_connections_reused";
    /** Mails with our own TLS reports given up after their attempts (never bounced). */
    public static final String REPORT_MAILS_DROPPED = "mailsec_report_mails_dropped";

    // MTA-STS policies
    /** The policy cache could not be read or written. */
    public static final String MTASTS_CACHE_ERRORS = "mailsec_mtasts_cache_errors";

    // The TLS result recorder
    public static final String RECORDER_FLUSHED_SESSIONS = "mailsec_recorder_flushed_sessions";
    public static final String RECORDER_FLUSH_FAILURES = "mailsec_recorder_flush_failures";
    public static final String RECORDER_BACK_PRESSURE = "mailsec_recorder_back_pressure";
    /** Counters the store refused for their content, set aside so the rest is stored. */
    public static final String RECORDER_QUARANTINED_KEYS = "mailsec_recorder_quarantined_keys";

    // Our TLS reports (see {@link #sent}: the DMARC reports' names follow the same pattern)
    public static final String TLS_REPORTS_QUEUED = sent("tls", "queued");
    public static final String TLS_REPORTS_POSTED = sent("tls", "posted");
    public static final String TLS_REPORTS_FAILED = sent("tls", "failed");
    /** Reports not sent to a suppressed address. */
    public static final String TLS_REPORTS_SUPPRESSED = sent("tls", "suppressed");

    // The HTTPS receiver's own (what it stores or refuses counts as {@link #received}, as by mail)
    public static final String TLS_REPORTS_HTTPS_RATE_LIMITED = "mailsec_tls_reports_https_rate_limited";
    public static final String TLS_REPORTS_HTTPS_CONNECTIONS_REFUSED = "mailsec_tls_reports_https_connections_refused";
    public static final String TLS_REPORTS_HTTPS_CONNECTIONS_TIMED_OUT = "mailsec_tls_reports_https_connections_timed_out";

    // DMARC of received mail (see {@link #authentication})
    /** Received mail the DMARC hook could not evaluate (accepted all the same). */
    public static final String DMARC_EVALUATION_FAILURES = "mailsec_dmarc_evaluation_failures";
    /** Evaluations written to the store for aggregate reports (in batches, at least every second). */
    public static final String DMARC_EVALUATIONS_STORED = "mailsec_dmarc_evaluations_stored";
    /** Writes of queued evaluations that failed (kept and retried). */
    public static final String DMARC_EVALUATION_STORE_FAILURES = "mailsec_dmarc_evaluation_store_failures";
    public static final String DMARC_EVALUATION_BACK_PRESSURE = "mailsec_dmarc_evaluation_back_pressure";
    /** Evaluations the store refused for their content, set aside so the rest is stored. */
    public static final String DMARC_EVALUATIONS_SET_ASIDE = "mailsec_dmarc_evaluations_set_aside";
    /** MTA-STS policies served for James's domains; requests for another host; policies not made (DNS failed). */
    public static final String MTASTS_POLICY_SERVED = "mailsec_mtasts_policy_served";
    public static final String MTASTS_POLICY_UNKNOWN_HOST = "mailsec_mtasts_policy_unknown_host";
    public static final String MTASTS_POLICY_UNAVAILABLE = "mailsec_mtasts_policy_unavailable";

    private MailsecMetrics() {
    }

    /** {@code mailsec_tls_failure_<result type>}, e.g. {@code mailsec_tls_failure_certificate_expired}. */
    public static String tlsFailure(ResultType type) {
        return TLS_FAILURE + "_" + type.value().replace('-', '_');
    }

    /** {@code mailsec_mtasts_fetch_<outcome>}: policy, no_policy, fetch_error, invalid... */
    public static String mtaStsFetch(String outcome) {
        return "mailsec_mtasts_fetch_" + outcome.toLowerCase(Locale.ROOT);
    }

    /**
     * Received reports, by mail or HTTPS alike, by kind ({@code tls} or {@code dmarc}) and event: {@code received},
     * {@code duplicate}, {@code rejected}, {@code dkim_aligned}, {@code dkim_unaligned} (mail only), e.g.
     * {@code mailsec_dmarc_reports_rejected}.
     */
    public static String received(String kind, String event) {
        return "mailsec_" + kind + "_reports_" + event;
    }

    /**
     * Our own reports, by kind ({@code tls} or {@code dmarc}) and event: {@code queued} (handed to James),
     * {@code posted}, {@code failed}, {@code suppressed}, e.g. {@code mailsec_tls_reports_queued}.
     */
    public static String sent(String kind, String event) {
        return "mailsec_" + kind + "_reports_" + event;
    }

    /**
     * Received mail by check and result: {@code mailsec_spf_<result>}, {@code mailsec_dkim_<result>} (one per signature),
     * {@code mailsec_dmarc_<result>} and {@code mailsec_dmarc_disposition_<none|quarantine|reject>} (as applied).
     */
    public static String authentication(String check, String result) {
        return "mailsec_" + check + "_" + result.toLowerCase(Locale.ROOT);
    }
}
