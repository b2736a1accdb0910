package org.mailsec.reportreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class ClientRateLimitTest {

    @Test
    void anIpv6SlashSixtyFourSharesOneBucket() {
        ClientRateLimit limit = new ClientRateLimit(2, Clock.systemUTC());
        String first = ClientRateLimit.key(InetAddresses.forString("2001:db8:1:2::1"));
        String second = ClientRateLimit.key(InetAddresses.forString("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assertThat(first).isEqualTo(second);
        assertThat(ClientRateLimit.key(InetAddresses.forString("2001:db8:1:3::1"))).isNotEqualTo(first);
        assertThat(limit.tryAcquire(first)).isTrue();
        assertThat(limit.tryAcquire(second)).isTrue();
        assertThat(limit.tryAcquire(ClientRateLimit.key(InetAddresses.forString("2001:db8:1:2::99")))).isFalse();
        assertThat(ClientRateLimit.key(InetAddresses.forString("192.0.2.7"))).isEqualTo("192.0.2.7");
    }
}
