package org.mailsec.connect;

import java.util.Optional;
import org.mailsec.plan.DeliveryPlan;

/**
 * The plan of the delivery running on this thread. James's {@code MailDelivrer} calls the DNS decorator and
 * then the per-host deliverer synchronously on the caller's thread, so the delivery loop publishes the plan
 * here around that call and both read the same decisions.
 */
public final class CurrentPlan {

    private static final ThreadLocal<DeliveryPlan> PLAN = new ThreadLocal<>();
    private static final ThreadLocal<Hosts> HOSTS = new ThreadLocal<>();

    /** What the hosts tried by the running delivery said about a REQUIRETLS mail. */
    private static final class Hosts {
        int tried;
        final java.util.List<String> requireTlsUnmet = new java.util.ArrayList<>();
    }

    private CurrentPlan() {
    }

    public static void set(DeliveryPlan plan) {
        PLAN.set(plan);
        HOSTS.set(new Hosts());
    }

    public static void clear() {
        PLAN.remove();
        HOSTS.remove();
    }

    /** The per-host deliverer is trying one more host address. */
    static void tried() {
        Hosts hosts = HOSTS.get();
        if (hosts != null) {
            hosts.tried++;
        }
    }

    /** The host just tried cannot take a REQUIRETLS mail, for a reason that retrying will not change. */
    static void requireTlsUnmet(String why) {
        Hosts hosts = HOSTS.get();
        if (hosts != null) {
            hosts.requireTlsUnmet.add(why);
        }
    }

    /**
     * Why no host can take the REQUIRETLS mail, when every host tried said so (RFC 8689 §4.2.1: the mail is then
     * returned, not retried until it expires); empty when some host failed otherwise or none was tried.
     */
    public static Optional<String> requireTlsUnmetEverywhere() {
        Hosts hosts = HOSTS.get();
        if (hosts == null || hosts.tried == 0 || hosts.requireTlsUnmet.size() < hosts.tried) {
            return Optional.empty();
        }
        return Optional.of(String.join("; ", new java.util.LinkedHashSet<>(hosts.requireTlsUnmet)));
    }

    static Optional<DeliveryPlan> get() {
        return Optional.ofNullable(PLAN.get());
    }

    /** The plan for {@code domain}, if the running delivery is for it. */
    static Optional<DeliveryPlan> forDomain(String domain) {
        return get().filter(p -> p.domain().equals(org.mailsec.dns.DomainNames.normalise(domain)));
    }
}
