package org.mailsec.record;

/** Why a domain's TXT policy record (TLSRPT, MTA-STS) or an MTA-STS policy cannot be used. */
public class RecordException extends Exception {

    /** The outcomes RFC 8460 §3 and RFC 8461 §3.1 distinguish for a sender. */
    public enum Kind {
        /** No record of the kind: the domain does not use the protocol. */
        NO_RECORD("no-record"),
        /** More than one record: both RFCs say to treat the domain as having none. */
        MULTIPLE_RECORDS("multiple-records"),
        /** DNS failure (SERVFAIL, timeout, DNSSEC bogus): keep what is cached, try again later. */
        TEMPORARY_DNS("temporary-dns"),
        /** A record (or policy) that claims the protocol but does not parse. */
        SYNTAX("syntax");

        private final String value;

        Kind(String value) {
            this.value = value;
        }

        /** Stable word for scripts and logs. */
        public String value() {
            return value;
        }
    }

    private final Kind kind;

    public RecordException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static RecordException syntax(String message) {
        return new RecordException(Kind.SYNTAX, message);
    }
}
