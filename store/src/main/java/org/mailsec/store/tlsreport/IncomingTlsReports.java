package org.mailsec.store.tlsreport;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.mailsec.tlsrpt.TlsReport;

/** TLS reports received from other mail systems. */
public interface IncomingTlsReports {

    /**
     * Stores a report once: the same (organization, report-id, date range) again is a duplicate.
     *
     * @return the new report's id, or empty for a duplicate
     */
    Optional<Long> add(TlsReport report, String policyDomain, String fromDomain, String mailFrom,
                       boolean unauthenticated, Instant receivedAt);

    Optional<IncomingTlsReport> byId(long id);

    /** Reports whose date range overlaps [start, end), optionally only those with a policy about one domain. */
    default List<IncomingTlsReport> list(Instant start, Instant end, Optional<String> policyDomain) {
        return list(start, end, policyDomain, org.mailsec.store.Page.ALL);
    }

    /** One page of the reports {@link #list(Instant, Instant, Optional)} gives, from columns only. */
    List<TlsReportListing> listings(Instant start, Instant end, Optional<String> policyDomain, org.mailsec.store.Page page);

    /** One page of {@link #list(Instant, Instant, Optional)}, in the same order. */
    List<IncomingTlsReport> list(Instant start, Instant end, Optional<String> policyDomain, org.mailsec.store.Page page);

    /** Per policy domain of the reports' policies: totals over reports overlapping [start, end). */
    List<TlsReportSummary> summaries(Instant start, Instant end, Optional<String> policyDomain);

    /** Retention: removes reports received before {@code cutoff}; returns how many went. */
    int deleteReceivedBefore(Instant cutoff);
}
