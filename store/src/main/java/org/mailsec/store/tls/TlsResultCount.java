package org.mailsec.store.tls;

/** A stored counter: the key and how many sessions it counts. */
public record TlsResultCount(TlsResultKey key, long sessions) {
}
