package org.mailsec.dmarc.report;

import java.util.List;
import org.mailsec.io.ContentSniffer;
import org.mailsec.io.InputLimits;
import org.mailsec.io.MailPart;
import org.mailsec.io.RejectedInputException;
import org.mailsec.io.ReportUnpacker;

/**
 * Reads DMARC aggregate reports from what arrives: XML, gzip (also doubled, or with trailing bytes), zip,
 * or a whole mail (multipart, or a bare zip/gzip as the single part, octet-stream with an .xml.gz name).
 * Formats are recognised by content, not by the declared type or name.
 */
public final class AggregateReportReader {

    private final ReportUnpacker<AggregateReport> unpacker;

    public AggregateReportReader(InputLimits limits) {
        this.unpacker = new ReportUnpacker<>(limits, "DMARC report", ContentSniffer.Kind.XML,
            AggregateReportReader::mayHoldReport, AggregateReportXml::read);
    }

    public AggregateReportReader() {
        this(InputLimits.DEFAULT);
    }

    public List<AggregateReport> read(byte[] bytes, String name) throws RejectedInputException {
        return unpacker.read(bytes, name);
    }

    /** Compressed parts whatever their declared type, and XML that is not an HTML rendering. */
    private static boolean mayHoldReport(MailPart part) {
        ContentSniffer.Kind kind = ContentSniffer.sniff(part.body());
        return kind == ContentSniffer.Kind.GZIP || kind == ContentSniffer.Kind.ZIP
            || kind == ContentSniffer.Kind.XML && !part.mimeType().equals("text/html");
    }
}
