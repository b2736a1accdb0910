package org.mailsec.queue;

import java.time.Clock;
import javax.net.ssl.X509TrustManager;
import org.mailsec.plan.DeliveryPlanner;
import org.mailsec.outcome.TlsOutcomes;

/**
 * Everything {@code SecureRemoteDelivery} needs from mailsec, as one injectable object (bound by mailsec's
 * Guice module from {@code mailsec.properties}).
 *
 * @param planner  the policy decisions
 * @param outcomes where TLS outcomes are counted
 * @param pkix     the WebPKI trust anchors for MTA-STS and REQUIRETLS (the JDK's, unless configured)
 * @param clock    time, for certificate validity and UTC days
 * @param reportBounces told when a TLS report mail is refused for good (its address gets suppressed)
 */
public record TransportSecurity(DeliveryPlanner planner, TlsOutcomes outcomes, X509TrustManager pkix, Clock clock,
                                ReportBounceListener reportBounces) {

    /** Without a reaction to report mails refused for good. */
    public TransportSecurity(DeliveryPlanner planner, TlsOutcomes outcomes, X509TrustManager pkix, Clock clock) {
        this(planner, outcomes, pkix, clock, ReportBounceListener.NONE);
    }
}
