package org.mailsec.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

class DecompressorTest {

    private static final byte[] JSON = "{\"organization-name\":\"x\"}".getBytes(StandardCharsets.UTF_8);

    private final Decompressor decompressor = new Decompressor(InputLimits.DEFAULT);

    @Test
    void plainInputIsItsOwnPayload() throws Exception {
        List<Payload> payloads = decompressor.unwrap(JSON, "report.json");
        assertThat(payloads).singleElement().satisfies(p -> {
            assertThat(p.name()).isEqualTo("report.json");
            assertThat(p.bytes()).isEqualTo(JSON);
        });
    }

    @Test
    void gzipIsRecognisedByMagicNotByName() throws Exception {
        List<Payload> payloads = decompressor.unwrap(gzip(JSON), "report.json.gz");
        assertThat(payloads).singleElement().satisfies(p -> {
            assertThat(p.name()).isEqualTo("report.json");
            assertThat(p.bytes()).isEqualTo(JSON);
        });
        assertThat(decompressor.unwrap(gzip(JSON), "misnamed.txt").get(0).bytes()).isEqualTo(JSON);
    }

    @Test
    void doubleGzipAndTrailingBytesAreAccepted() throws Exception {
        assertThat(decompressor.unwrap(gzip(gzip(JSON)), "r.xml.gz.gz").get(0).bytes()).isEqualTo(JSON);
        byte[] trailing = concat(gzip(JSON), "\r\n\0garbage".getBytes(StandardCharsets.US_ASCII));
        assertThat(decompressor.unwrap(trailing, "r.gz").get(0).bytes()).isEqualTo(JSON);
    }

    @Test
    void zipEntriesAreEachAPayloadAndMayBeGzipped() throws Exception {
        byte[] zip = zip("a.json", JSON, "b.json.gz", gzip(JSON));
        List<Payload> payloads = decompressor.unwrap(zip, "reports.zip");
        assertThat(payloads).extracting(Payload::name).containsExactly("a.json", "b.json");
        assertThat(payloads).allSatisfy(p -> assertThat(p.bytes()).isEqualTo(JSON));
    }

    @Test
    void gzipBombStopsAtTheCapWithoutInflatingEverything() throws Exception {
        // 1 GB of zeros compresses to about 1 MB; the cap of 20 MB must stop it early.
        byte[] bomb = gzipZeros(1L << 30);
        assertThat(bomb.length).isLessThan(2 * 1024 * 1024);
        long heapBefore = usedHeap();
        assertThatThrownBy(() -> decompressor.unwrap(bomb, "bomb.json.gz"))
            .isInstanceOf(RejectedInputException.class)
            .hasMessageContaining("larger than the limit of " + InputLimits.DEFAULT.maxDecompressedBytes());
        assertThat(usedHeap() - heapBefore).isLessThan(200L * 1024 * 1024);
    }

    @Test
    void decompressedBudgetIsSharedAcrossZipEntries() throws Exception {
        InputLimits small = InputLimits.DEFAULT.withMaxDecompressedBytes(1000);
        byte[] zip = zip("a", new byte[600], "b", new byte[600]);
        assertThatThrownBy(() -> new Decompressor(small).unwrap(zip, "two.zip"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("limit of");
    }

    @Test
    void nestingIsBounded() throws Exception {
        byte[] nested = JSON;
        for (int i = 0; i < 20; i++) {
            nested = gzip(nested);
        }
        byte[] input = nested;
        assertThatThrownBy(() -> decompressor.unwrap(input, "deep.gz"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("levels deep");
    }

    @Test
    void truncatedGzipIsNamedAsSuch() throws Exception {
        byte[] whole = gzip(new byte[10_000]);
        byte[] truncated = Arrays.copyOf(whole, whole.length / 2);
        assertThatThrownBy(() -> decompressor.unwrap(truncated, "cut.json.gz"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("truncated gzip");
    }

    @Test
    void oversizedInputIsRefusedBeforeReading() {
        InputLimits tiny = InputLimits.DEFAULT.withMaxInputBytes(10);
        assertThatThrownBy(() -> new Decompressor(tiny).unwrap(JSON, "big.json"))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("over the limit");
    }

    @Test
    void brokenZipIsRejectedClearly() {
        byte[] fake = concat(new byte[] {'P', 'K', 3, 4}, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> decompressor.unwrap(fake, "x.zip")).isInstanceOf(RejectedInputException.class);
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] gzipZeros(long count) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] zeros = new byte[1 << 20];
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            for (long written = 0; written < count; written += zeros.length) {
                gz.write(zeros);
            }
        }
        return out.toByteArray();
    }

    private static byte[] zip(Object... nameAndBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (int i = 0; i < nameAndBytes.length; i += 2) {
                zip.putNextEntry(new ZipEntry((String) nameAndBytes[i]));
                zip.write((byte[]) nameAndBytes[i + 1]);
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }
}
