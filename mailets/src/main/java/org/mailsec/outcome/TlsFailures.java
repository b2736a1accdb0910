package org.mailsec.outcome;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.mailsec.dane.TlsVerificationException;
import org.mailsec.tlsrpt.ResultType;

/** Turns what a failed TLS negotiation threw into an RFC 8460 result type and a short reason code. */
public final class TlsFailures {

    /** A classified failure. */
    public record Failure(ResultType type, String reasonCode) {
    }

    private static final Pattern ALERT = Pattern.compile("fatal alert: ([a-z_]+)");

    private TlsFailures() {
    }

    /** The TLS failure somewhere in {@code error}'s causes, if it is one (a refused connection is not). */
    public static Optional<Failure> classify(Throwable error) {
        SSLException ssl = null;
        for (Throwable t = error; t != null; t = next(t)) {
            if (t instanceof TlsVerificationException v) {
                return Optional.of(new Failure(v.resultType(), v.reasonCode()));
            }
            if (t instanceof SSLException s && ssl == null) {
                ssl = s;
            }
        }
        if (ssl == null) {
            return Optional.empty();
        }
        String message = String.valueOf(ssl.getMessage());
        Matcher alert = ALERT.matcher(message);
        if (alert.find()) {
            return Optional.of(new Failure(ResultType.VALIDATION_FAILURE, "tls-alert-" + alert.group(1)));
        }
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("protocol") || lower.contains("cipher")) {
            return Optional.of(new Failure(ResultType.VALIDATION_FAILURE, "tls-no-common-protocol"));
        }
        return Optional.of(new Failure(ResultType.VALIDATION_FAILURE, "tls-" + ssl.getClass().getSimpleName()));
    }

    private static Throwable next(Throwable t) {
        if (t instanceof javax.mail.MessagingException me && me.getNextException() != null && me.getNextException() != t) {
            return me.getNextException();
        }
        return t.getCause() == t ? null : t.getCause();
    }
}
