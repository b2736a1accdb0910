package org.mailsec.plan;

/**
 * What the message itself asks of its delivery.
 *
 * @param requireTls  RFC 8689 REQUIRETLS: every hop must use verified TLS and support REQUIRETLS
 * @param tlsOptional RFC 8689 {@code TLS-Required: No}: TLS policy failures must not stop delivery
 *                    (ignored when REQUIRETLS is set)
 * @param ownReport   the message carries a TLS report of ours: recorded as a report delivery, so its
 *                    failures never cause a report about a report
 */
public record DeliveryFlags(boolean requireTls, boolean tlsOptional, boolean ownReport) {

    public static final DeliveryFlags NORMAL = new DeliveryFlags(false, false, false);

    public DeliveryFlags {
        if (requireTls) {
            tlsOptional = false;
        }
    }

    /** Policy failures are recorded but do not stop delivery. */
    public boolean policyFailuresIgnored() {
        return tlsOptional;
    }
}
