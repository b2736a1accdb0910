package org.mailsec.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressPolicyTest {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1",
        "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254"})
    void thisHostAndItsNetworksAreRefusedByDefault(String address) {
        assertThat(AddressPolicy.publicOnly().refusal(InetAddresses.forString(address))).as(address).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "192.0.2.1", "172.32.0.1", "100.128.0.1", "2001:4860:4860::8888", "2a00:1450::1"})
    void publicAddressesAreAllowed(String address) {
        assertThat(AddressPolicy.publicOnly().refusal(InetAddresses.forString(address))).as(address).isEmpty();
    }

    @Test
    void anOperatorAllowsNetworksByCidr() {
        AddressPolicy policy = AddressPolicy.allowing(List.of("127.0.0.0/8", "fd00::/8", "10.1.2.3"));
        assertThat(policy.refusal(InetAddresses.forString("127.0.0.5"))).isEmpty();
        assertThat(policy.refusal(InetAddresses.forString("fd12::1"))).isEmpty();
        assertThat(policy.refusal(InetAddresses.forString("10.1.2.3"))).isEmpty();
        assertThat(policy.refusal(InetAddresses.forString("10.1.2.4"))).get().asString().contains("private");
        assertThat(policy.refusal(InetAddresses.forString("::1"))).get().asString().contains("loopback");
    }

    @Test
    void aNetworkThatDoesNotParseIsNamed() {
        for (String bad : List.of("127.0.0.0/33", "localhost", "10.0.0.0/x", "::/129")) {
            assertThatThrownBy(() -> AddressPolicy.allowing(List.of(bad))).as(bad)
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad);
        }
    }
}
