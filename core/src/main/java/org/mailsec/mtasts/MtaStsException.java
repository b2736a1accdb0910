package org.mailsec.mtasts;

/** Why a domain's MTA-STS record or policy cannot be used. */
public class MtaStsException extends Exception {

    public enum Kind {
        /** No {@code v=STSv1} TXT record: the domain has no MTA-STS. */
        NO_RECORD("no-record"),
        /** More than one record: RFC 8461 §3.1 says to treat the domain as having none. */
        MULTIPLE_RECORDS("multiple-records"),
        /** DNS failure (SERVFAIL, timeout, DNSSEC bogus): keep any cached policy and try later. */
        TEMPORARY_DNS("temporary-dns"),
        /** A record or policy that does not parse. */
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

    public MtaStsException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
