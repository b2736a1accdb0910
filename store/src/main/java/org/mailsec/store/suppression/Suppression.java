package org.mailsec.store.suppression;

import java.time.Instant;

/** A reporting address that gets no reports of {@code kind} (tls or dmarc) until {@code until}. */
public record Suppression(long id, Kind kind, String address, Instant inserted, Instant until, String comment) {

    public enum Kind { TLS, DMARC }
}
