package org.mailsec.dmarc.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.io.RejectedInputException;

class HostileXmlTest {

    private final AggregateReportReader reader = new AggregateReportReader();

    private static String report(String count) {
        return "<feedback><report_metadata><org_name>o</org_name><email>r@o.example</email><report_id>1</report_id>"
            + "<date_range><begin>1700000000</begin><end>1700086400</end></date_range></report_metadata>"
            + "<policy_published><domain>example.com</domain><p>none</p></policy_published>"
            + "<record><row><source_ip>192.0.2.1</source_ip><count>" + count + "</count><policy_evaluated>"
            + "<disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>"
            + "<identifiers><header_from>example.com</header_from></identifiers></record>"
            + "<record><row><source_ip>192.0.2.2</source_ip><count>1000000000000</count><policy_evaluated>"
            + "<disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>"
            + "<identifiers><header_from>example.com</header_from></identifiers></record></feedback>";
    }

    /** Never a silent wrong number: 2^64+5 is not 0, nor 5; a negative count is not accepted. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"-1", "1.5", "18446744073709551621", "99999999999999999999999",
        "1e400", "abc", "9223372036854775807", "1000000000001", " 12 sessions"})
    void aCountThatIsNotAWholeNumberInRangeRefusesTheReport(String count) {
        assertThatThrownBy(() -> reader.read(report(count).getBytes(StandardCharsets.UTF_8), "r.xml")).as(count)
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("count");
        assertThatThrownBy(() -> reader.read(report("9".repeat(100_000)).getBytes(StandardCharsets.UTF_8), "r.xml"))
            .isInstanceOf(RejectedInputException.class);
    }

    @Test
    void aCountLongerThanTheTextCapIsRefusedNotCut() {
        for (String count : new String[] {"0".repeat(10_000) + "7", "5." + "0".repeat(9_998) + "1"}) {
            assertThatThrownBy(() -> reader.read(report(count).getBytes(StandardCharsets.UTF_8), "r.xml"))
                .isInstanceOf(RejectedInputException.class).hasMessageContaining("count");
        }
    }

    @Test
    void utf8DeclaredAsUtf16IsReadAsUtf8() throws Exception {
        String xml = "<?xml version=\"1.0\" encoding=\"utf-16\"?>" + report("3");
        for (byte[] body : new byte[][] {xml.getBytes(StandardCharsets.UTF_8),
                ("\uFEFF" + xml).getBytes(StandardCharsets.UTF_8)}) {
            assertThat(reader.read(body, "r.xml").get(0).messages()).isEqualTo(1_000_000_000_003L);
        }
    }

    @Test
    void countsInRangeAreReadAndSummedExactly() throws Exception {
        AggregateReport r = reader.read(report(" 12 ").getBytes(StandardCharsets.UTF_8), "r.xml").get(0);
        assertThat(r.messages()).isEqualTo(1_000_000_000_012L);
    }

    @Test
    void externalEntityIsNeverRead(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "TOP-SECRET");
        String xml = "<?xml version=\"1.0\"?><!DOCTYPE feedback [<!ENTITY xxe SYSTEM \"" + secret.toUri() + "\">]>"
            + "<feedback><report_metadata><org_name>&xxe;</org_name><report_id>1</report_id></report_metadata></feedback>";
        assertThatThrownBy(() -> reader.read(xml.getBytes(StandardCharsets.UTF_8), "xxe.xml"))
            .isInstanceOf(RejectedInputException.class)
            .hasMessageContaining("DOCTYPE")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("TOP-SECRET"));
    }

    @Test
    void billionLaughsIsRefused() {
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for (int i = 1; i < 10; i++) {
            xml.append("<!ENTITY lol").append(i).append(" \"").append(("&lol" + (i == 1 ? "" : i - 1) + ";").repeat(10)).append("\">");
        }
        xml.append("]><feedback><report_metadata><org_name>&lol9;</org_name></report_metadata></feedback>");
        assertThatThrownBy(() -> reader.read(xml.toString().getBytes(StandardCharsets.UTF_8), "lol.xml"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("DOCTYPE");
    }

    @Test
    void undeclaredEntityIsRefused() {
        String xml = "<feedback><report_metadata><org_name>&foo;</org_name><report_id>1</report_id></report_metadata></feedback>";
        assertThatThrownBy(() -> reader.read(xml.getBytes(StandardCharsets.UTF_8), "e.xml"))
            .isInstanceOf(RejectedInputException.class);
    }

    @Test
    void deepNestingIsRefused() {
        String xml = "<feedback>" + "<a>".repeat(10_000) + "</a>".repeat(10_000) + "</feedback>";
        assertThatThrownBy(() -> reader.read(xml.getBytes(StandardCharsets.UTF_8), "deep.xml"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("nested deeper");
    }

    @Test
    void elementsTheReportDoesNotKeepAreReadPastAndCostNoMemory() throws Exception {
        String xml = "<feedback><report_metadata><report_id>1</report_id></report_metadata>" + "<a/>".repeat(600_000)
            + "<record><row><count>3</count></row></record></feedback>";
        AggregateReport report = reader.read(xml.getBytes(StandardCharsets.UTF_8), "many.xml").get(0);
        assertThat(report.metadata().reportId()).isEqualTo("1");
        assertThat(report.messages()).isEqualTo(3);
    }

    /** The tree reader this replaced ended the report at the end of any element named feedback, nested or not. */
    @Test
    void anElementNamedFeedbackInsideTheReportDoesNotEndIt() throws Exception {
        String xml = "<feedback><report_metadata><report_id>1</report_id></report_metadata>"
            + "<policy_published><domain>example.com</domain><feedback/><p>reject</p></policy_published>"
            + "<record><row><count>4</count></row></record></feedback>";
        AggregateReport report = reader.read(xml.getBytes(StandardCharsets.UTF_8), "nested.xml").get(0);
        assertThat(report.policy().p()).isEqualTo("reject");
        assertThat(report.messages()).isEqualTo(4);
    }

    /** Leading zeros and spaces are the count's (5); only text past 10,000 characters is cut and refused. */
    @Test
    void aLongButExactCountIsItsNumber() throws Exception {
        String xml = "<feedback><report_metadata><report_id>1</report_id></report_metadata><record><row><count>"
            + " ".repeat(3000) + "0".repeat(6000) + "5" + " ".repeat(500) + "</count></row></record></feedback>";
        assertThat(reader.read(xml.getBytes(StandardCharsets.UTF_8), "zeros.xml").get(0).messages()).isEqualTo(5);
        String tooLong = xml.replace("0".repeat(6000), "0".repeat(12_000));
        assertThatThrownBy(() -> reader.read(tooLong.getBytes(StandardCharsets.UTF_8), "zeros.xml"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("count is longer than any count can be");
    }

    @Test
    void tooManyResultsKeptAreRefused() {
        String xml = "<feedback><report_metadata><report_id>1</report_id></report_metadata><record><auth_results>"
            + "<dkim/>".repeat(AggregateReportStream.MAX_RESULTS + 1)
            + "</auth_results></record></feedback>";
        assertThatThrownBy(() -> reader.read(xml.getBytes(StandardCharsets.UTF_8), "many.xml"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("more than 500000 records and results");
    }

    @Test
    void truncatedGzipIsNamed() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(("<feedback>" + "<record/>".repeat(5000) + "</feedback>").getBytes(StandardCharsets.UTF_8));
        }
        byte[] cut = Arrays.copyOf(out.toByteArray(), out.size() / 2);
        assertThatThrownBy(() -> reader.read(cut, "r.xml.gz"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("truncated gzip");
    }

    @Test
    void wrongMagicIsNotAReport() {
        byte[] junk = {0x13, 0x37, 0x00, 0x42, 0x7f};
        assertThatThrownBy(() -> reader.read(junk, "r.zip"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("not a DMARC report");
    }

    @Test
    void jsonIsNotADmarcReport() {
        assertThatThrownBy(() -> reader.read("{\"a\":1}".getBytes(StandardCharsets.UTF_8), "x.xml"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("JSON, not XML");
    }
}
