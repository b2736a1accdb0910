package org.mailsec.store.tlsreport;

import java.time.Instant;
import org.mailsec.tlsrpt.TlsReport;

/**
 * A TLS report another system sent us, as stored.
 *
 * @param policyDomain    the domain it is about (ours)
 * @param fromDomain      the sender's domain (From header, or the HTTPS client for unauthenticated ones)
 * @param mailFrom        the envelope sender, empty for HTTPS
 * @param unauthenticated received over HTTPS, or without an aligned DKIM pass
 */
public record IncomingTlsReport(long id, TlsReport report, String policyDomain, String fromDomain, String mailFrom,
                                boolean unauthenticated, Instant receivedAt) {
}
