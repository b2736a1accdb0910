package org.mailsec.plan;

import org.mailsec.outcome.ReportPolicy;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.mailsec.dane.TlsPolicy;
import org.mailsec.tlsrpt.ResultType;

/**
 * How to talk to one MX host, decided before connecting.
 *
 * @param mx          the MX host name (no trailing dot)
 * @param addresses   its addresses, from mailsec's resolver
 * @param port        the SMTP port (25, except in tests)
 * @param refusal     why no connection may be made to it (DANE lookup failed, MTA-STS enforce mismatch...)
 * @param tlsPolicy   the certificate policy: DANE, PKIX + name, or opportunistic
 * @param enforcement what a failed or missing TLS does to the connection
 * @param report      the policy outcomes are counted under
 */
public record HostPlan(String mx, List<InetAddress> addresses, int port, Optional<Refusal> refusal,
                       TlsPolicy tlsPolicy, Enforcement enforcement, ReportPolicy report) {

    /** A host that must not be used, and the failure to record. */
    public record Refusal(ResultType resultType, String reasonCode, String message) {
    }

    /** What a failed or missing TLS does to the connection. */
    public enum Enforcement {
        /** No plaintext: STARTTLS must be offered and the certificate must pass the policy. */
        REQUIRED,
        /** Failures are counted and the connection goes on (MTA-STS testing, {@code TLS-Required: No}). */
        REPORT_ONLY,
        /** TLS when offered, plaintext otherwise. */
        OPPORTUNISTIC
    }

    public HostPlan {
        addresses = List.copyOf(addresses);
    }

    /** A host to connect to under {@code tlsPolicy}. */
    public static HostPlan connect(String mx, List<InetAddress> addresses, int port, TlsPolicy tlsPolicy,
                                   Enforcement enforcement, ReportPolicy report) {
        return new HostPlan(mx, addresses, port, Optional.empty(), tlsPolicy, enforcement, report);
    }

    /** A host without any policy: STARTTLS when offered, nothing to verify. */
    public static HostPlan opportunistic(String mx, List<InetAddress> addresses, int port, ReportPolicy report) {
        return connect(mx, addresses, port, new TlsPolicy.Opportunistic(mx), Enforcement.OPPORTUNISTIC, report);
    }

    /** A host that must not be used. */
    public static HostPlan refused(String mx, List<InetAddress> addresses, int port, Refusal refusal, ReportPolicy report) {
        return new HostPlan(mx, addresses, port, Optional.of(refusal), new TlsPolicy.Opportunistic(mx), Enforcement.REQUIRED,
            report);
    }

    public boolean allowed() {
        return refusal.isEmpty();
    }

    /** No plaintext: STARTTLS must be offered and succeed. */
    public boolean tlsRequired() {
        return enforcement == Enforcement.REQUIRED;
    }

    /** Verification failures are recorded but the connection goes on. */
    public boolean reportOnly() {
        return enforcement == Enforcement.REPORT_ONLY;
    }

    /** The name delivery hands to James ({@code host:port} when not 25). */
    public String target() {
        return port == 25 ? mx : mx + ":" + port;
    }
}
