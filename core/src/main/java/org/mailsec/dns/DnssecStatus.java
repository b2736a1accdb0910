package org.mailsec.dns;

/** What DNSSEC validation said about an answer (RFC 4035 §4.3). */
public enum DnssecStatus {
    /** Validated from a trust anchor: the AD-bit equivalent. Only this status makes TLSA records usable for DANE. */
    SECURE,
    /** Provably unsigned, or no trust anchor covers the name. */
    INSECURE,
    /** Signed but failed validation: the answer must not be used. */
    BOGUS
}
