package org.mailsec.store.dmarc;

import java.time.Instant;
import org.mailsec.dmarc.report.AggregateReport;

/**
 * A DMARC aggregate report another system sent us, as stored.
 *
 * @param unauthenticated received without an aligned DKIM pass
 */
public record IncomingDmarcReport(long id, AggregateReport report, String fromDomain, boolean unauthenticated,
                                  Instant receivedAt) {
}
