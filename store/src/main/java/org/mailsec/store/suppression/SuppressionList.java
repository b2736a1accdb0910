package org.mailsec.store.suppression;

import java.time.Instant;
import java.util.List;

/** The addresses mailsec sends no reports to (operator-added, or after hard bounces of our reports). */
public interface SuppressionList {

    /** Adds the address, or extends its entry (new until and comment); returns the entry. */
    Suppression suppress(Suppression.Kind kind, String address, Instant until, String comment, Instant now);

    /** Whether reports to the address are suppressed at {@code now} (addresses compare case-insensitively). */
    boolean suppressed(Suppression.Kind kind, String address, Instant now);

    List<Suppression> list(Suppression.Kind kind);

    boolean remove(long id);
}
