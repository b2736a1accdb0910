package org.mailsec.delivery;

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
 * @param tlsRequired no plaintext: STARTTLS must be offered and succeed
 * @param reportOnly  verification failures are recorded but the connection goes on (MTA-STS testing,
 *                    {@code TLS-Required: No})
 * @param report      the policy outcomes are counted under
 */
public record HostPlan(String mx, List<InetAddress> addresses, int port, Optional<Refusal> refusal,
                       TlsPolicy tlsPolicy, boolean tlsRequired, boolean reportOnly, ReportPolicy report) {

    /** A host that must not be used, and the failure to record. */
    public record Refusal(ResultType resultType, String reasonCode, String message) {
    }

    public HostPlan {
        addresses = List.copyOf(addresses);
    }

    public boolean allowed() {
        return refusal.isEmpty();
    }

    /** The name delivery hands to James ({@code host:port} when not 25). */
    public String target() {
        return port == 25 ? mx : mx + ":" + port;
    }
}
