package org.mailsec.net;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/** A set of networks in CIDR notation ({@code 192.0.2.0/24}, {@code 2001:db8::/32}, or single addresses). */
public final class Networks {

    private final List<AddressPolicy.Network> networks;

    private Networks(List<AddressPolicy.Network> networks) {
        this.networks = List.copyOf(networks);
    }

    /** @throws IllegalArgumentException naming the entry that is not an address or a network */
    public static Networks of(List<String> cidrs) {
        List<AddressPolicy.Network> parsed = new ArrayList<>();
        for (String cidr : cidrs) {
            parsed.add(AddressPolicy.parse(cidr.strip()));
        }
        return new Networks(parsed);
    }

    public boolean contains(InetAddress address) {
        return networks.stream().anyMatch(n -> n.contains(address));
    }
}
