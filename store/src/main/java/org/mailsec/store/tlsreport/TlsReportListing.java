package org.mailsec.store.tlsreport;

import java.time.Instant;

/**
 * A stored TLS report as a listing shows it, read from columns (the report's JSON is read only for one report,
 * never for a list: a flood of large reports must not make a listing parse them all again).
 *
 * @param success sessions the report counts as successful, over all its policies
 * @param failure sessions it counts as failed
 */
public record TlsReportListing(long id, String organization, String reportId, Instant start, Instant end,
                               String policyDomain, String fromDomain, String mailFrom, boolean unauthenticated,
                               Instant receivedAt, long success, long failure) {
}
