package org.mailsec.connect;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.dnsservice.api.TemporaryResolutionException;
import org.mailsec.plan.DeliveryPlan;
import org.mailsec.plan.HostPlan;

/**
 * James's {@link DNSService} as delivery sees it: MX hosts and their addresses come from the running
 * {@link DeliveryPlan} (mailsec's DNSSEC-aware resolver, hosts a policy refuses left out). Everything else,
 * and lookups outside a planned delivery (gateways), goes to James's own DNS service.
 */
public final class PolicyAwareDnsService implements DNSService {

    private final DNSService james;

    public PolicyAwareDnsService(DNSService james) {
        this.james = james;
    }

    @Override
    public Collection<String> findMXRecords(String hostname) throws TemporaryResolutionException {
        Optional<DeliveryPlan> plan = CurrentPlan.forDomain(hostname);
        if (plan.isEmpty()) {
            return james.findMXRecords(hostname);
        }
        return plan.get().allowedHosts().stream().map(HostPlan::target).toList();
    }

    @Override
    public Collection<InetAddress> getAllByName(String host) throws UnknownHostException {
        Optional<HostPlan> planned = CurrentPlan.get().flatMap(p -> p.host(host));
        if (planned.isPresent()) {
            return List.copyOf(planned.get().addresses());
        }
        return james.getAllByName(host);
    }

    @Override
    public Collection<String> findTXTRecords(String hostname) {
        return james.findTXTRecords(hostname);
    }

    @Override
    public InetAddress getByName(String host) throws UnknownHostException {
        Optional<HostPlan> planned = CurrentPlan.get().flatMap(p -> p.host(host));
        if (planned.isPresent() && !planned.get().addresses().isEmpty()) {
            return planned.get().addresses().get(0);
        }
        return james.getByName(host);
    }

    @Override
    public InetAddress getLocalHost() throws UnknownHostException {
        return james.getLocalHost();
    }

    @Override
    public String getHostName(InetAddress addr) {
        return james.getHostName(addr);
    }
}
