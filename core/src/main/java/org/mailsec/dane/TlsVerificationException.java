package org.mailsec.dane;

import java.security.cert.CertificateException;
import org.mailsec.tlsrpt.ResultType;

/**
 * A server certificate chain that failed the policy in force, with the RFC 8460 result type to record
 * and a short reason code for {@code failure-reason-code}.
 */
public class TlsVerificationException extends CertificateException {

    private final ResultType resultType;
    private final String reasonCode;

    public TlsVerificationException(ResultType resultType, String reasonCode, String message) {
        super(message);
        this.resultType = resultType;
        this.reasonCode = reasonCode;
    }

    public ResultType resultType() {
        return resultType;
    }

    public String reasonCode() {
        return reasonCode;
    }
}
