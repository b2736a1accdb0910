package org.mailsec.store.retention;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.mailsec.store.dmarc.Evaluations;
import org.mailsec.store.dmarc.IncomingDmarcReports;
import org.mailsec.store.policy.PolicyCache;
import org.mailsec.store.tlsreport.IncomingTlsReports;
import org.mailsec.store.rejected.RejectedReports;
import org.mailsec.store.suppression.SuppressionList;
import org.mailsec.store.tls.TlsResultStore;

/**
 * What the store forgets, run daily: TLS results older than 48 hours, MTA-STS policies no delivery used
 * for 180 days, DMARC evaluations older than a week, received (or refused) reports past the configured age, and
 * the record of report mails sent more than 30 days ago (bounces older than that suppress nothing).
 */
public final class Retention {

    public static final Duration TLS_RESULTS = Duration.ofHours(48);
    public static final Duration UNUSED_POLICIES = Duration.ofDays(180);
    public static final Duration DMARC_EVALUATIONS = Duration.ofDays(7);
    public static final Duration SENT_REPORTS = Duration.ofDays(30);

    /** How many rows each kind lost. */
    public record Removed(int tlsResults, int policies, int evaluations, int tlsReports, int dmarcReports,
                          int rejectedReports, int sentReports) {
    }

    private final TlsResultStore results;
    private final PolicyCache policies;
    private final Evaluations evaluations;
    private final IncomingTlsReports tlsReports;
    private final IncomingDmarcReports dmarcReports;
    private final RejectedReports rejectedReports;
    private final SuppressionList suppressions;
    private final Duration reportAge;

    public Retention(TlsResultStore results, PolicyCache policies, Evaluations evaluations, IncomingTlsReports tlsReports,
                     IncomingDmarcReports dmarcReports, RejectedReports rejectedReports, SuppressionList suppressions,
                     Duration reportAge) {
        this.results = results;
        this.policies = policies;
        this.evaluations = evaluations;
        this.tlsReports = tlsReports;
        this.dmarcReports = dmarcReports;
        this.rejectedReports = rejectedReports;
        this.suppressions = suppressions;
        this.reportAge = reportAge;
    }

    public Removed run(Instant now) {
        // Results are per UTC day: keep the days that still hold something younger than 48 hours.
        return new Removed(
            results.deleteBefore(now.minus(TLS_RESULTS).atZone(ZoneOffset.UTC).toLocalDate()),
            policies.deleteUnusedSince(now.minus(UNUSED_POLICIES)),
            evaluations.deleteBefore(now.minus(DMARC_EVALUATIONS)),
            tlsReports.deleteReceivedBefore(now.minus(reportAge)),
            dmarcReports.deleteReceivedBefore(now.minus(reportAge)),
            rejectedReports.deleteReceivedBefore(now.minus(reportAge)),
            suppressions.forgetSentBefore(now.minus(SENT_REPORTS)));
    }
}
