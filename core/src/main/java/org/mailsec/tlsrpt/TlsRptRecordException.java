package org.mailsec.tlsrpt;

/** Why a domain has no usable TLSRPT record. */
public class TlsRptRecordException extends Exception {

    /** The four outcomes RFC 8460 §3 distinguishes for a sender. */
    public enum Kind {
        /** No {@code v=TLSRPTv1} TXT record: do not report. */
        NO_RECORD("no-record"),
        /** More than one TLSRPT record: RFC 8460 §3 says to treat this as no record. */
        MULTIPLE_RECORDS("multiple-records"),
        /** DNS failure (SERVFAIL, timeout, DNSSEC bogus): try again later, keep the results. */
        TEMPORARY_DNS("temporary-dns"),
        /** A record that claims TLSRPTv1 but does not parse. */
        SYNTAX("syntax");

        private final String value;

        Kind(String value) {
            this.value = value;
        }

        public String value() {
            return value;
        }
    }

    private final Kind kind;

    public TlsRptRecordException(Kind kind, String message) {
        this(kind, message, null);
    }

    public TlsRptRecordException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
