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
import org.mailsec.tlsrpt.TlsReportJson;
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
 * mailsec's TLS report reader (limits, lenient mapping to the model, decompression) next to Jackson's raw tree
 * parse of the same bytes, and mailsec's DMARC report reader next to a bare StAX pass over the same XML: the cost of
 * mailsec's safety and leniency over the floor. Throughput in MB/s of decompressed JSON = ops/s x the size printed by
 * {@link SyntheticTlsReports#main}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TlsReportParseBenchmark {

    /** small: a typical daily report of one domain; large: the most a report may hold (100 policies), 200 rows each. */
    @Param({"small", "large"})
    public String size;

    private final ObjectMapper mapper = new ObjectMapper();
    private final TlsReportReader reader = new TlsReportReader();
    private final org.mailsec.dmarc.report.AggregateReportReader dmarcReader = new org.mailsec.dmarc.report.AggregateReportReader();
    private final javax.xml.stream.XMLInputFactory stax = secureStax();
    private byte[] json;
    private byte[] gzip;
    private byte[] dmarcXml;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        json = size.equals("small") ? SyntheticTlsReports.json(2, 3) : SyntheticTlsReports.json(TlsReportJson.MAX_POLICIES, 200);
        gzip = SyntheticTlsReports.gzip(json);
        dmarcXml = size.equals("small") ? SyntheticDmarcReports.xml(3) : SyntheticDmarcReports.xml(2000);
    }

    /** The settings mailsec reads DMARC reports with: no DTD, no entities, namespaces, coalesced text. */
    private static javax.xml.stream.XMLInputFactory secureStax() {
        javax.xml.stream.XMLInputFactory f = javax.xml.stream.XMLInputFactory.newFactory();
        f.setProperty(javax.xml.stream.XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(javax.xml.stream.XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(javax.xml.stream.XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        f.setProperty(javax.xml.stream.XMLInputFactory.IS_NAMESPACE_AWARE, true);
        f.setProperty(javax.xml.stream.XMLInputFactory.IS_COALESCING, true);
        return f;
    }

    @Benchmark
    public List<org.mailsec.dmarc.report.AggregateReport> mailsecDmarcXml() throws RejectedInputException {
        return dmarcReader.read(dmarcXml, "report.xml");
    }

    /** Every event of the same bytes, nothing kept: the floor a streaming reader is measured against. */
    @Benchmark
    public int staxPassDmarcXml() throws javax.xml.stream.XMLStreamException {
        javax.xml.stream.XMLStreamReader reader = stax.createXMLStreamReader(new ByteArrayInputStream(dmarcXml));
        int events = 0;
        while (reader.hasNext()) {
            events += reader.next();
        }
        reader.close();
        return events;
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
