package org.mailsec.mtasts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostedPolicyTest {

    @Test
    void theTextIsAPolicyThatParsesBackAndItsIdFollowsIt() throws Exception {
        HostedPolicy policy = HostedPolicy.of(MtaStsPolicy.Mode.ENFORCE, List.of("mx1.example.com", "*.mx.example.com"),
            Duration.ofDays(7));
        assertThat(policy.text()).isEqualTo("version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.mx.example.com\r\n"
            + "max_age: 604800\r\n");
        MtaStsPolicy parsed = MtaStsPolicy.parse(policy.text().getBytes(StandardCharsets.US_ASCII));
        assertThat(parsed.mx()).containsExactly("mx1.example.com", "*.mx.example.com");
        assertThat(parsed.warnings()).isEmpty();
        // RFC 8461 §3.1: 1 to 32 alphanumerics, changed when the policy changes, the same for the same policy.
        assertThat(policy.id()).matches("[0-9a-f]{20}");
        assertThat(HostedPolicy.of(MtaStsPolicy.Mode.ENFORCE, List.of("mx1.example.com", "*.mx.example.com"),
            Duration.ofDays(7)).id()).isEqualTo(policy.id());
        assertThat(HostedPolicy.of(MtaStsPolicy.Mode.TESTING, List.of("mx1.example.com", "*.mx.example.com"),
            Duration.ofDays(7)).id()).isNotEqualTo(policy.id());
        assertThat(HostedPolicy.of(MtaStsPolicy.Mode.ENFORCE, List.of("mx1.example.com"), Duration.ofDays(7)).id())
            .isNotEqualTo(policy.id());
        assertThat(policy.record("example.com")).isEqualTo("_mta-sts.example.com. IN TXT \"v=STSv1; id=" + policy.id() + "\"");
    }

    @Test
    void aPolicyWithoutMxOrWithAMaxAgeOverAYearIsRefused() {
        assertThatThrownBy(() -> HostedPolicy.of(MtaStsPolicy.Mode.ENFORCE, List.of(), Duration.ofDays(1)))
            .hasMessageContaining("at least one mx");
        assertThatThrownBy(() -> HostedPolicy.of(MtaStsPolicy.Mode.TESTING, List.of("mx.example.com"), Duration.ofDays(400)))
            .hasMessageContaining("max_age");
        assertThat(HostedPolicy.of(MtaStsPolicy.Mode.NONE, List.of(), Duration.ofDays(1)).text())
            .isEqualTo("version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n");
    }
}
