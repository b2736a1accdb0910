package org.mailsec.tlsrpt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.mailsec.io.RejectedInputException;

/** Hostile or broken input gets a clear RejectedInputException, bounded memory, never a crash. */
class HostileTlsReportTest {

    private final TlsReportReader reader = new TlsReportReader();

    @Test
    void gzipBombStopsAtTheDecompressedCap() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] spaces = new byte[1 << 20];
        Arrays.fill(spaces, (byte) ' ');
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write("{\"report-id\":\"x\",\"pad\":\"".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 1024; i++) {
                gz.write(spaces); // 1 GB of JSON string
            }
        }
        assertThat(out.size()).isLessThan(2 << 20);
        assertThatThrownBy(() -> reader.read(out.toByteArray(), "bomb.json.gz"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("larger than the limit");
    }

    @Test
    void hundredMegabyteJsonIsRefusedBeforeParsing() {
        byte[] huge = new byte[100 * 1024 * 1024];
        Arrays.fill(huge, (byte) ' ');
        huge[0] = '{';
        huge[huge.length - 1] = '}';
        long before = usedHeap();
        assertThatThrownBy(() -> reader.read(huge, "huge.json"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("over the limit");
        assertThat(usedHeap() - before).isLessThan(50L << 20);
    }

    @Test
    void deeplyNestedJsonIsRefusedWithoutStackOverflow() {
        byte[] deep = ("{\"report-id\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}").getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> reader.read(deep, "deep.json"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("nested deeper");
    }

    private static String report(String policyString, String start, String count) {
        return "{\"organization-name\":\"o\",\"report-id\":\"r\",\"date-range\":{\"start-datetime\":" + start
            + ",\"end-datetime\":\"2026-11-20T23:59:59Z\"},\"policies\":[{\"policy\":{\"policy-type\":\"tlsa\","
            + "\"policy-string\":" + policyString + ",\"policy-domain\":\"example.com\"},\"summary\":"
            + "{\"total-successful-session-count\":" + count + ",\"total-failure-session-count\":0}}]}";
    }

    private TlsReport read(String json) throws RejectedInputException {
        return reader.read(json.getBytes(StandardCharsets.UTF_8), "r.json").get(0);
    }

    @Test
    void millionsOfBracketsInsideAPolicyStringAreRefusedInBoundedMemory() throws Exception {
        // The attack of issue 11: 17 KB of gzip, a string of millions of '[' that used to be parsed again as JSON.
        String brackets = "[".repeat(4_000_000);
        byte[] gz = gzip(report("\"" + brackets + "\"", "\"2026-11-20T00:00:00Z\"", "1").getBytes(StandardCharsets.US_ASCII));
        assertThat(gz.length).isLessThan(30_000);
        long before = usedHeap();
        assertThatThrownBy(() -> reader.read(gz, "brackets.json.gz"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("string longer than");
        assertThat(usedHeap() - before).isLessThan(100L << 20);
    }

    @Test
    void jsonInsideAPolicyStringIsReadWithTheSameBoundsOrKeptAsText() throws Exception {
        String deep = "[".repeat(40) + "]".repeat(40);
        assertThat(read(report("\"" + deep + "\"", "\"2026-11-20T00:00:00Z\"", "1")).policies().get(0).policy().strings())
            .containsExactly(deep);
        String microsoft = "\"[\\\"3 1 1 abcd\\\", \\\"2 0 1 ef01\\\"]\"";
        assertThat(read(report(microsoft, "\"2026-11-20T00:00:00Z\"", "1")).policies().get(0).policy().strings())
            .containsExactly("3 1 1 abcd", "2 0 1 ef01");
    }

    @Test
    void hugeNumbersAndInstantsOutsideOfTimeAreRefused() {
        for (String start : new String[] {"1e30", "-1", "9223372036854775807", "\"+999999999-12-31T23:59:59Z\"",
            "1" + "0".repeat(100), "1e999999999999"}) {
            assertThatThrownBy(() -> read(report("[]", start, "1"))).as(start)
                .isInstanceOf(RejectedInputException.class);
        }
        for (String count : new String[] {"1" + "0".repeat(30), "9223372036854775807", "1e300", "1" + "0".repeat(70)}) {
            assertThatThrownBy(() -> read(report("[]", "\"2026-11-20T00:00:00Z\"", count))).as(count)
                .isInstanceOf(RejectedInputException.class);
        }
    }

    /** Epoch seconds with a fraction keep their whole seconds, however the fraction is written, in bounded time. */
    @Test
    void aFractionOfASecondWithAHugeNegativeExponentIsReadAtOnce() {
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(5), () -> {
            for (String tiny : new String[] {"1e-999999999", "-1e-999999999", "5e-500000000", "0.0"}) {
                assertThat(read(report("[]", tiny, "1")).start()).as(tiny).isEqualTo(java.time.Instant.EPOCH);
            }
            assertThat(read(report("[]", "1795996800.75", "1")).start())
                .isEqualTo(java.time.Instant.parse("2026-11-30T00:00:00Z"));
        });
    }

    /** Text from a number is the number's (1.50 is 1.5): what the tree reader before gave, what the store holds. */
    @Test
    void aNumberWhereTextBelongsIsItsCanonicalText() throws Exception {
        String json = report("[]", "\"2026-11-20T00:00:00Z\"", "1").replace("\"report-id\":\"r\"", "\"report-id\":1.50")
            .replace("\"organization-name\":\"o\"", "\"organization-name\":0.0");
        TlsReport report = read(json);
        assertThat(report.reportId()).isEqualTo("1.5");
        assertThat(report.organizationName()).isEqualTo("0");
    }

    /** A string nobody reads is never decoded, so its length is no reason to refuse; one that is read is bounded. */
    @Test
    void aLongStringInAFieldNobodyReadsIsPassedOver() throws Exception {
        String filler = "x".repeat(100_000);
        String json = report("[]", "\"2026-11-20T00:00:00Z\"", "1").replace("{\"organization-name\"",
            "{\"x-note\":\"" + filler + "\",\"organization-name\"");
        assertThat(read(json).reportId()).isEqualTo("r");
        assertThatThrownBy(() -> read(json.replace("\"report-id\":\"r\"", "\"report-id\":\"" + filler + "\"")))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("string longer than");
    }

    /** Never a silent wrong number: a count that is not a whole number in 0..10^12 refuses the report, naming it. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"-1", "-0.5", "1.5", "18446744073709551621",
        "\"18446744073709551621\"", "99999999999999999999999", "\"99999999999999999999999\"", "1e400", "-1e400",
        "\"abc\"", "\"12 sessions\"", "true", "[1]", "{}", "4611686018427387904"})
    void aCountThatIsNotAWholeNumberInRangeRefusesTheReport(String count) {
        assertThatThrownBy(() -> read(report("[]", "\"2026-11-20T00:00:00Z\"", count))).as(count)
            .isInstanceOf(RejectedInputException.class)
            .hasMessageContaining("total-successful-session-count");
    }

    @Test
    void countsThatADoubleWouldRoundAreRefusedAndLongZeroRunsCostLittle() throws Exception {
        for (String count : new String[] {"5.0000000000000001", "4.9999999999999999", "1e-400", "-1e-400", "1e999999999"}) {
            assertThatThrownBy(() -> read(report("[]", "\"2026-11-20T00:00:00Z\"", count))).as(count)
                .isInstanceOf(RejectedInputException.class);
        }
        String zeros = "\"5." + "0".repeat(65_000) + "\"";
        String leading = "\"" + "0".repeat(65_000) + "7\"";
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(5), () -> {
            assertThat(read(report("[]", "\"2026-11-20T00:00:00Z\"", zeros)).totalSuccess()).isEqualTo(5);
            assertThat(read(report("[]", "\"2026-11-20T00:00:00Z\"", leading)).totalSuccess()).isEqualTo(7);
            assertThatThrownBy(() -> read(report("[]", "\"2026-11-20T00:00:00Z\"", "\"" + "0".repeat(65_000) + "x\"")))
                .isInstanceOf(RejectedInputException.class);
        });
    }

    @Test
    void aHundredThousandDigitCountIsRefusedNotZero() {
        String digits = "9".repeat(100_000);
        for (String count : new String[] {digits, "\"" + digits + "\""}) {
            assertThatThrownBy(() -> read(report("[]", "\"2026-11-20T00:00:00Z\"", count)))
                .isInstanceOf(RejectedInputException.class);
        }
    }

    @Test
    void wholeCountsWrittenOddlyAreRead() throws Exception {
        assertThat(read(report("[]", "\"2026-11-20T00:00:00Z\"", "\"12\"")).totalSuccess()).isEqualTo(12);
        assertThat(read(report("[]", "\"2026-11-20T00:00:00Z\"", "1e3")).totalSuccess()).isEqualTo(1000);
        assertThat(read(report("[]", "\"2026-11-20T00:00:00Z\"", "1000000000000")).totalSuccess()).isEqualTo(1_000_000_000_000L);
        assertThat(read(report("[]", "\"2026-11-20T00:00:00Z\"", "null")).totalSuccess()).isZero();
    }

    @Test
    void aLeapSecondIsAValidRfc3339Time() throws Exception {
        assertThat(read(report("[]", "\"2016-12-31T23:59:60Z\"", "1")).start())
            .isEqualTo(java.time.Instant.parse("2016-12-31T23:59:59Z"));
        assertThat(read(report("[]", "\"2016-12-31T15:59:60-08:00\"", "1")).start())
            .isEqualTo(java.time.Instant.parse("2016-12-31T23:59:59Z"));
        assertThatThrownBy(() -> read(report("[]", "\"2016-12-31T23:58:60Z\"", "1"))).isInstanceOf(RejectedInputException.class);
        assertThatThrownBy(() -> read(report("[]", "\"2026-11-20T10:59:60Z\"", "1"))).as("not the end of a UTC day")
            .isInstanceOf(RejectedInputException.class);
        assertThat(read(report("[]", "\"2017-01-01T05:29:60+05:30\"", "1")).start())
            .isEqualTo(java.time.Instant.parse("2016-12-31T23:59:59Z"));
        assertThatThrownBy(() -> read(report("[]", "\"2016-12-31T23:59:61Z\"", "1"))).isInstanceOf(RejectedInputException.class);
    }

    @Test
    void tooManyPoliciesAreRefusedWithTheCap() {
        String policy = "{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":\"example.com\"},\"summary\":{}}";
        String json = "{\"report-id\":\"r\",\"date-range\":{\"start-datetime\":\"2026-11-20T00:00:00Z\","
            + "\"end-datetime\":\"2026-11-20T23:59:59Z\"},\"policies\":[" + String.join(",",
                java.util.Collections.nCopies(TlsReportJson.MAX_POLICIES + 1, policy)) + "]}";
        assertThatThrownBy(() -> read(json)).hasMessageContaining("more than " + TlsReportJson.MAX_POLICIES);
    }

    @Test
    void truncatedGzipIsNamed() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(new byte[100_000]);
        }
        byte[] cut = Arrays.copyOf(out.toByteArray(), out.size() / 2);
        assertThatThrownBy(() -> reader.read(cut, "cut.json.gz"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("truncated gzip");
    }

    @Test
    void wrongMagicIsNotAReport() {
        assertThatThrownBy(() -> reader.read(new byte[] {0x50, 0x4b, 0x05, 0x06, 0, 0}, "r.zip"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("not a TLS report");
    }

    @Test
    void htmlOnlyMailAndMailWithoutReportAreRefused() {
        String html = "From: a@example.net\r\nContent-Type: text/html\r\n\r\n<p>{\"report-id\":1}</p>\r\n";
        assertThatThrownBy(() -> reader.read(html.getBytes(StandardCharsets.US_ASCII), "h.eml"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("no report part");
        String plain = "From: a@example.net\r\nSubject: hi\r\n\r\nhello\r\n";
        assertThatThrownBy(() -> reader.read(plain.getBytes(StandardCharsets.US_ASCII), "p.eml"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("no report part");
    }

    @Test
    void jsonMissingRequiredFieldsIsNamed() {
        assertThatThrownBy(() -> reader.read("{\"policies\":[]}".getBytes(StandardCharsets.US_ASCII), "x.json"))
            .hasMessageContaining("missing report-id");
        assertThatThrownBy(() -> reader.read("{\"report-id\":\"1\",\"policies\":[]}".getBytes(StandardCharsets.US_ASCII), "x.json"))
            .hasMessageContaining("missing date-range");
        assertThatThrownBy(() -> reader.read("{\"report-id\":\"1\",\"date-range\":{}}".getBytes(StandardCharsets.US_ASCII), "x.json"))
            .hasMessageContaining("missing policies");
        assertThatThrownBy(() -> reader.read("{\"report-id\": ".getBytes(StandardCharsets.US_ASCII), "x.json"))
            .hasMessageContaining("invalid JSON");
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
