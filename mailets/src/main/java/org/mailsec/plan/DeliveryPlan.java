package org.mailsec.plan;

import java.util.List;
import java.util.Optional;
import org.mailsec.dns.DomainNames;
import org.mailsec.stspolicy.StsDecision;

/**
 * The TLS decisions for one delivery attempt to one recipient domain: the MTA-STS decision, and a
 * {@link HostPlan} per MX host in preference order.
 *
 * @param domain     the recipient domain
 * @param sts        what MTA-STS says
 * @param hosts      every MX host, allowed or refused
 * @param flags      what the message asks
 * @param failure    why the attempt cannot even start (temporary DNS failure, null MX...), with
 *                   {@code permanent} telling whether to give up
 */
public record DeliveryPlan(String domain, StsDecision sts, List<HostPlan> hosts, DeliveryFlags flags,
                           Optional<String> failure, boolean permanent, List<String> skipped) {

    public DeliveryPlan {
        hosts = List.copyOf(hosts);
        skipped = List.copyOf(skipped);
    }

    static DeliveryPlan failed(String domain, StsDecision sts, DeliveryFlags flags, String why, boolean permanent) {
        return new DeliveryPlan(domain, sts, List.of(), flags, Optional.of(why), permanent, List.of());
    }

    /**
     * Every MX host is known and none is held back for a reason that could change by itself (DNS that did not
     * answer, an MTA-STS policy that could not be had): what the hosts say about REQUIRETLS is final.
     */
    public boolean requireTlsAnswerIsFinal() {
        return failure.isEmpty() && !hosts.isEmpty() && skipped.isEmpty() && sts.fetchFailure().isEmpty()
            && sts.unknown().isEmpty() && hosts.stream().allMatch(h -> h.allowed() || requireTlsRefusal(h));
    }

    private static boolean requireTlsRefusal(HostPlan host) {
        return host.refusal().filter(r -> r.reasonCode().equals(DeliveryPlanner.REQUIRETLS_MX_NOT_AUTHENTICATED)).isPresent();
    }

    public List<HostPlan> allowedHosts() {
        return hosts.stream().filter(HostPlan::allowed).toList();
    }

    public Optional<HostPlan> host(String name) {
        String wanted = DomainNames.normalise(name);
        return hosts.stream().filter(h -> h.mx().equals(wanted)).findFirst();
    }

    /** Why nothing can be delivered now: a planning failure, or every host refused. */
    public Optional<String> blocked() {
        if (failure.isPresent()) {
            return failure;
        }
        if (!hosts.isEmpty() && allowedHosts().isEmpty()) {
            StringBuilder why = new StringBuilder("no MX host of " + domain + " may be used:");
            for (HostPlan h : hosts) {
                why.append(' ').append(h.mx()).append(" (").append(h.refusal().orElseThrow().message()).append(')');
            }
            return Optional.of(why.toString());
        }
        return Optional.empty();
    }

    /**
     * Every host is refused because a REQUIRETLS mail may not go to an MX authenticated neither by DNSSEC nor by
     * MTA-STS (RFC 8689 §4.2.1): retrying will not change it.
     */
    public boolean requireTlsUnmetByEveryHost() {
        return requireTlsAnswerIsFinal() && hosts.stream().allMatch(DeliveryPlan::requireTlsRefusal);
    }
}
