package org.mailsec.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import javax.mail.MessagingException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.mailsec.dane.TlsVerificationException;
import org.mailsec.tlsrpt.ResultType;

class TlsFailuresTest {

    @Test
    void aVerificationFailureKeepsItsResultTypeThroughJavaMailsWrapping() {
        SSLHandshakeException handshake = new SSLHandshakeException("PKIX failed");
        handshake.initCause(new TlsVerificationException(ResultType.CERTIFICATE_EXPIRED, "expired", "expired"));
        MessagingException wrapped = new MessagingException("Could not convert socket to TLS", handshake);
        assertThat(TlsFailures.classify(wrapped)).contains(new TlsFailures.Failure(ResultType.CERTIFICATE_EXPIRED, "expired"));
    }

    @Test
    void aTlsAlertBecomesAValidationFailureNamingTheAlert() {
        MessagingException wrapped = new MessagingException("Could not convert socket to TLS",
            new SSLHandshakeException("Received fatal alert: handshake_failure"));
        assertThat(TlsFailures.classify(wrapped))
            .contains(new TlsFailures.Failure(ResultType.VALIDATION_FAILURE, "tls-alert-handshake_failure"));
    }

    @Test
    void noCommonProtocol() {
        assertThat(TlsFailures.classify(new SSLHandshakeException("No appropriate protocol (protocol is disabled)")))
            .contains(new TlsFailures.Failure(ResultType.VALIDATION_FAILURE, "tls-no-common-protocol"));
    }

    @Test
    void aRefusedConnectionIsNotATlsFailure() {
        MessagingException refused = new MessagingException("Could not connect", new ConnectException("refused"));
        assertThat(TlsFailures.classify(refused)).isEmpty();
        assertThat(TlsFailures.classify(new IOException("reset"))).isEmpty();
    }
}
