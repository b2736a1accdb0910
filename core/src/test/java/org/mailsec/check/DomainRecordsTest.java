package org.mailsec.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DomainRecordsTest {

    /** RFC 1035 §3.3.14 and §5.1: character-strings of at most 255 octets, quotes and backslashes escaped. */
    @Test
    void txtDataIsSplitIntoEscapedStringsOfAtMost255Octets() {
        assertThat(DomainRecords.txt("v=spf1 mx -all")).isEqualTo("\"v=spf1 mx -all\"");
        String[] pieces = DomainRecords.txt("a".repeat(600)).split("\" \"");
        assertThat(Arrays.stream(pieces).map(p -> p.replace("\"", "").length())).containsExactly(255, 255, 90);
        assertThat(DomainRecords.txt("say \"hi\" \\ there")).isEqualTo("\"say \\\"hi\\\" \\\\ there\"");
        // Two-octet characters are not cut in half at a boundary.
        for (String piece : DomainRecords.txt("é".repeat(200)).split("\" \"")) {
            assertThat(piece.replace("\"", "").getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(255).isEven();
        }
    }
}
