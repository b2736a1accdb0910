package org.mailsec.store.dmarc;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.mailsec.dmarc.report.AggregateReport;

/** DMARC aggregate reports received from other mail systems. */
public interface IncomingDmarcReports {

    /**
     * Stores a report once per (organization, report id, date range); returns its id, or empty for a duplicate.
     *
     * @param unauthenticated received over HTTPS, or without an aligned DKIM pass
     */
    Optional<Long> add(AggregateReport report, String fromDomain, boolean unauthenticated, Instant receivedAt);

    Optional<IncomingDmarcReport> byId(long id);

    /** Reports whose date range overlaps [start, end), optionally about one domain, one page, read from columns. */
    List<DmarcReportListing> list(Instant start, Instant end, Optional<String> domain, org.mailsec.store.Page page);

    /** Per domain: totals, dispositions, DKIM/SPF failures and policy overrides over [start, end). */
    List<DmarcReportSummary> summaries(Instant start, Instant end, Optional<String> domain);

    /** Retention: removes reports received before {@code cutoff}. */
    int deleteReceivedBefore(Instant cutoff);
}
