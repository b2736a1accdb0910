package org.mailsec.store.rejected;

import java.time.Instant;

/**
 * A report mail (or HTTPS post) that was not stored, and why.
 *
 * @param kind       which reports: {@link Kind#TLS} or {@link Kind#DMARC}
 * @param mailName   James's name of the mail, or the HTTPS client's address
 * @param messageId  the Message-ID header, empty when absent
 * @param mailFrom   the envelope sender, empty when null
 * @param subject    the Subject header, empty when absent
 * @param reason     what the reader or a mailet option refused
 */
public record RejectedReport(long id, Kind kind, Instant receivedAt, String mailName, String messageId, String mailFrom,
                             String subject, String reason) {

    public enum Kind { TLS, DMARC }

    /** A new record, not stored yet; long texts are cut to the column sizes. */
    public static RejectedReport of(Kind kind, Instant receivedAt, String mailName, String messageId, String mailFrom,
                                    String subject, String reason) {
        return new RejectedReport(0, kind, receivedAt, cut(mailName, 255), cut(messageId, 998), cut(mailFrom, 255),
            cut(subject, 998), cut(reason, 2048));
    }

    private static String cut(String value, int max) {
        return org.mailsec.store.Columns.truncate(value == null ? "" : value, max);
    }
}
