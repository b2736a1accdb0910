package org.mailsec.dns;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DomainNamesTest {

    @Test
    void namesAreComparedWithoutCaseOrFinalDot() {
        assertThat(DomainNames.normalise(" Mx.Example.COM. ")).isEqualTo("mx.example.com");
        assertThat(DomainNames.normalise(null)).isEmpty();
    }

    @Test
    void hostNamesFromOutsideAreCheckedAndGivenAsALabels() {
        assertThat(DomainNames.hostName("Example.COM.")).hasValue("example.com");
        assertThat(DomainNames.hostName("localhost")).hasValue("localhost");
        assertThat(DomainNames.hostName("bücher.example")).hasValue("xn--bcher-kva.example");
        assertThat(DomainNames.hostName("a".repeat(63) + ".test")).isPresent();
        for (String bad : new String[] {"", ".", "a..b", "-x.test", "x-.test", "x_y.test", "a b.test", "a".repeat(64) + ".test",
            ("a".repeat(60) + ".").repeat(5) + "test"}) {
            assertThat(DomainNames.hostName(bad)).as(bad).isEmpty();
        }
    }
}
