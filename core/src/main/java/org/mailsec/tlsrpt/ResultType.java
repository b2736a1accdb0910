package org.mailsec.tlsrpt;

import java.util.Arrays;
import java.util.Optional;

/**
 * The result types of RFC 8460 §4.3. Reports from others may carry types not listed here; the report
 * model keeps those as strings, so this enum is for what mailsec itself classifies.
 */
public enum ResultType {
    // §4.3.1 negotiation failures
    STARTTLS_NOT_SUPPORTED("starttls-not-supported"),
    CERTIFICATE_HOST_MISMATCH("certificate-host-mismatch"),
    CERTIFICATE_EXPIRED("certificate-expired"),
    CERTIFICATE_NOT_TRUSTED("certificate-not-trusted"),
    VALIDATION_FAILURE("validation-failure"),
    // §4.3.2 policy failures: DANE
    TLSA_INVALID("tlsa-invalid"),
    DNSSEC_INVALID("dnssec-invalid"),
    DANE_REQUIRED("dane-required"),
    // §4.3.2 policy failures: MTA-STS
    STS_POLICY_FETCH_ERROR("sts-policy-fetch-error"),
    STS_POLICY_INVALID("sts-policy-invalid"),
    STS_WEBPKI_INVALID("sts-webpki-invalid");

    private final String value;

    ResultType(String value) {
        this.value = value;
    }

    /** The wire name, e.g. {@code starttls-not-supported}. */
    public String value() {
        return value;
    }

    /** The result type with this wire name (case-insensitive), if it is one of RFC 8460's. */
    public static Optional<ResultType> fromValue(String value) {
        return Arrays.stream(values()).filter(t -> t.value.equalsIgnoreCase(value == null ? "" : value.trim())).findFirst();
    }

    @Override
    public String toString() {
        return value;
    }
}
