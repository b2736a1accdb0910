package org.mailsec.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.mailsec.io.RejectedInputException;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportReader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * mailsec's TLS report reader (depth check, lenient mapping to the model, decompression) next to
 * Jackson's raw tree parse of the same bytes: the cost of mailsec's safety and leniency over the floor.
 * Throughput in MB/s of decompressed JSON = ops/s x the size printed by {@link SyntheticTlsReports#main}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TlsReportParseBenchmark {

    /** small: a typical daily report of one domain; large: a big provider's report of 2,000 policies. */
    @Param({"small", "large"})
    public String size;

    private final ObjectMapper mapper = new ObjectMapper();
    private final TlsReportReader reader = new TlsReportReader();
    private byte[] json;
    private byte[] gzip;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        json = size.equals("small") ? SyntheticTlsReports.json(2, 3) : SyntheticTlsReports.json(2000, 5);
        gzip = SyntheticTlsReports.gzip(json);
    }

    @Benchmark
    public List<TlsReport> mailsecJson() throws RejectedInputException {
        return reader.read(json, "report.json");
    }

    @Benchmark
    public JsonNode jacksonTreeJson() throws IOException {
        return mapper.readTree(json);
    }

    @Benchmark
    public List<TlsReport> mailsecGzip() throws RejectedInputException {
        return reader.read(gzip, "report.json.gz");
    }

    @Benchmark
    public JsonNode jacksonTreeGzip() throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return mapper.readTree(in);
        }
    }
}
