package org.mailsec.transport;

import java.util.Optional;
import org.mailsec.delivery.DeliveryPlan;

/**
 * The plan of the delivery running on this thread. James's {@code MailDelivrer} calls the DNS decorator and
 * then the per-host deliverer synchronously on the caller's thread, so the delivery loop publishes the plan
 * here around that call and both read the same decisions.
 */
final class CurrentPlan {

    private static final ThreadLocal<DeliveryPlan> PLAN = new ThreadLocal<>();

    private CurrentPlan() {
    }

    static void set(DeliveryPlan plan) {
        PLAN.set(plan);
    }

    static void clear() {
        PLAN.remove();
    }

    static Optional<DeliveryPlan> get() {
        return Optional.ofNullable(PLAN.get());
    }

    /** The plan for {@code domain}, if the running delivery is for it. */
    static Optional<DeliveryPlan> forDomain(String domain) {
        return get().filter(p -> p.domain().equalsIgnoreCase(stripDot(domain)));
    }

    private static String stripDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }
}
