package org.mailsec.mtasts;

import java.time.Instant;
import java.util.Optional;
import org.mailsec.tlsrpt.ResultType;

/**
 * The outcome of fetching {@code https://mta-sts.<domain>/.well-known/mta-sts.txt}.
 *
 * @param outcome   what happened
 * @param policy    the policy, for {@link Outcome#POLICY}
 * @param text      the policy body as fetched (for caches and reports), empty unless POLICY or INVALID
 * @param reason    a short failure reason for TLS reports and logs (e.g. {@code http-status-500}), empty for POLICY
 * @param fetchedAt when the fetch finished
 */
public record PolicyFetch(Outcome outcome, Optional<MtaStsPolicy> policy, String text, String reason, Instant fetchedAt) {

    public enum Outcome {
        /** A valid policy. */
        POLICY,
        /** HTTP 404, or {@code mta-sts.<domain>} does not exist: the domain publishes no policy. */
        NO_POLICY,
        /** The policy could not be fetched (HTTP status, redirect, timeout, size, network). */
        FETCH_ERROR,
        /** Fetched, but not a valid policy. */
        INVALID,
        /** The HTTPS server's certificate did not pass PKIX validation for {@code mta-sts.<domain>}. */
        WEBPKI_INVALID
    }

    /**
     * The RFC 8460 result type to record when a domain with an {@code _mta-sts} record yields this outcome
     * (NO_POLICY then is a fetch error too: the domain said it has a policy).
     */
    public Optional<ResultType> resultType() {
        return switch (outcome) {
            case POLICY -> Optional.empty();
            case NO_POLICY, FETCH_ERROR -> Optional.of(ResultType.STS_POLICY_FETCH_ERROR);
            case INVALID -> Optional.of(ResultType.STS_POLICY_INVALID);
            case WEBPKI_INVALID -> Optional.of(ResultType.STS_WEBPKI_INVALID);
        };
    }
}
