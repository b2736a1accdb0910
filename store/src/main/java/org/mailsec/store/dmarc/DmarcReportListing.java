package org.mailsec.store.dmarc;

import java.time.Instant;

/**
 * A received DMARC report as a listing shows it, read from columns only: a flood of large reports must not make a
 * listing parse their XML again (the XML is read for one report, by id).
 *
 * @param records  the report's {@code <record>} elements
 * @param messages the messages they count
 */
public record DmarcReportListing(long id, String organization, String reportId, String domain, Instant begin,
                                 Instant end, long records, long messages, long dmarcPass, String fromDomain,
                                 boolean unauthenticated, Instant receivedAt) {
}
