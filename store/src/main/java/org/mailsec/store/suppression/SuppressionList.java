package org.mailsec.store.suppression;

import java.time.Instant;
import java.util.List;

/**
 * The addresses mailsec sends no reports to (operator-added, or after hard bounces of our reports), and the report
 * mails it sent, so that only a bounce of one of them suppresses its address.
 */
public interface SuppressionList {

    /** Adds the address, or extends its entry (new until and comment); returns the entry. */
    Suppression suppress(Suppression.Kind kind, String address, Instant until, String comment, Instant now);

    /** Whether reports to the address are suppressed at {@code now} (addresses compare case-insensitively). */
    boolean suppressed(Suppression.Kind kind, String address, Instant now);

    List<Suppression> list(Suppression.Kind kind);

    boolean remove(long id);

    /** Remembers that the report mail {@code messageId} went to {@code address}. */
    void rememberSent(String messageId, String address, Instant at);

    /** Whether the report mail {@code messageId} went to {@code address} at or after {@code since}. */
    boolean wasSent(String messageId, String address, Instant since);

    /** Forgets the report mails sent before {@code instant}; returns how many. */
    int forgetSentBefore(Instant instant);
}
