package org.mailsec.net;

import com.google.common.net.InetAddresses;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which addresses mailsec may connect to for HTTPS (MTA-STS policy fetches, https rua posts): public unicast
 * only by default, so that a hostile DNS answer or rua cannot make James probe its own host or network (SSRF).
 * Refused: unspecified, loopback, private (RFC 1918, RFC 6598 shared, IPv6 ULA fc00::/7), link-local, multicast,
 * and IPv4 inside IPv6 (mapped, compatible) of those — unless an operator-allowed network
 * ({@code mailsec.net.allowed}, CIDRs) contains the address, as tests do for their loopback servers.
 */
public final class AddressPolicy {

    /** A network in CIDR notation. */
    record Network(InetAddress base, int prefix) {
        boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            byte[] b = base.getAddress();
            if (a.length != b.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != b[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            return rest == 0 || ((a[full] ^ b[full]) & (0xff << (8 - rest)) & 0xff) == 0;
        }
    }

    private static final AddressPolicy PUBLIC_ONLY = new AddressPolicy(List.of());

    private final List<Network> allowed;

    private AddressPolicy(List<Network> allowed) {
        this.allowed = List.copyOf(allowed);
    }

    public static AddressPolicy publicOnly() {
        return PUBLIC_ONLY;
    }

    /** Public addresses plus these networks, e.g. {@code 127.0.0.0/8} or {@code fd00::/8}. */
    public static AddressPolicy allowing(List<String> cidrs) {
        List<Network> networks = new ArrayList<>();
        for (String cidr : cidrs) {
            networks.add(parse(cidr.strip()));
        }
        return new AddressPolicy(networks);
    }

    static Network parse(String cidr) {
        int slash = cidr.indexOf('/');
        String address = slash < 0 ? cidr : cidr.substring(0, slash);
        if (!InetAddresses.isInetAddress(address)) {
            throw new IllegalArgumentException("'" + cidr + "' is not an address or a network in CIDR notation");
        }
        InetAddress base = InetAddresses.forString(address);
        int max = base instanceof Inet4Address ? 32 : 128;
        int prefix;
        try {
            prefix = slash < 0 ? max : Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + cidr + "' has no valid prefix length");
        }
        if (prefix < 0 || prefix > max) {
            throw new IllegalArgumentException("'" + cidr + "' has a prefix length outside 0-" + max);
        }
        return new Network(base, prefix);
    }

    /** Why a connection to {@code address} is refused, or empty when it is allowed. */
    public Optional<String> refusal(InetAddress address) {
        for (Network n : allowed) {
            if (n.contains(address)) {
                return Optional.empty();
            }
        }
        InetAddress a = embeddedIpv4(address).orElse(address);
        String kind = kind(a);
        return kind == null ? Optional.empty() : Optional.of(kind + " address " + InetAddresses.toAddrString(address));
    }

    private static String kind(InetAddress a) {
        if (a.isAnyLocalAddress()) {
            return "unspecified";
        }
        if (a.isLoopbackAddress()) {
            return "loopback";
        }
        if (a.isLinkLocalAddress()) {
            return "link-local";
        }
        if (a.isMulticastAddress()) {
            return "multicast";
        }
        if (a.isSiteLocalAddress()) {
            return "private";
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if (first == 0 || first >= 240 || (first == 100 && second >= 64 && second < 128)) {
                return first == 100 ? "shared (RFC 6598)" : "reserved";
            }
        } else if ((b[0] & 0xfe) == 0xfc) {
            return "private (ULA)";
        }
        return null;
    }

    /** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or IPv4-compatible IPv6 address. */
    private static Optional<InetAddress> embeddedIpv4(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return Optional.empty();
        }
        byte[] b = address.getAddress();
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return Optional.empty();
            }
        }
        boolean mapped = (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
        boolean compatible = b[10] == 0 && b[11] == 0 && !address.isLoopbackAddress() && !address.isAnyLocalAddress();
        if (!mapped && !compatible) {
            return Optional.empty();
        }
        return Optional.of(InetAddresses.fromIPv4BigInteger(new java.math.BigInteger(1, java.util.Arrays.copyOfRange(b, 12, 16))));
    }
}
