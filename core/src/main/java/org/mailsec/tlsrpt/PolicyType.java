package org.mailsec.tlsrpt;

/**
 * The policy types of RFC 8460 §4.4 ({@code policy-type}). Reports from others may carry other values; the report
 * model keeps what it read as a string, so this enum is for the policies mailsec itself applies.
 */
public enum PolicyType {
    STS("sts"),
    TLSA("tlsa"),
    NO_POLICY_FOUND("no-policy-found");

    private final String value;

    PolicyType(String value) {
        this.value = value;
    }

    /** The wire name, e.g. {@code no-policy-found}. */
    public String value() {
        return value;
    }

    @Override
    public String toString() {
        return value;
    }
}
