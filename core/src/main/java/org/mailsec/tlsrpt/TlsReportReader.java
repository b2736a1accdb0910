package org.mailsec.tlsrpt;

import java.util.List;
import org.mailsec.io.ContentSniffer;
import org.mailsec.io.InputLimits;
import org.mailsec.io.MailPart;
import org.mailsec.io.RejectedInputException;
import org.mailsec.io.ReportUnpacker;

/**
 * Reads TLS reports from whatever arrives: JSON, gzip, zip, or a whole report mail (multipart/report or a
 * single part, whatever the part's declared type). Formats are recognised by content, not by name.
 */
public final class TlsReportReader {

    private final ReportUnpacker<TlsReport> unpacker;

    public TlsReportReader(InputLimits limits) {
        this.unpacker = new ReportUnpacker<>(limits, "TLS report", ContentSniffer.Kind.JSON,
            TlsReportReader::mayHoldReport, TlsReportJson::read);
    }

    public TlsReportReader() {
        this(InputLimits.DEFAULT);
    }

    /** The reports in {@code bytes} (usually one); {@code name} is the file name, if known, for messages. */
    public List<TlsReport> read(byte[] bytes, String name) throws RejectedInputException {
        return unpacker.read(bytes, name);
    }

    /** Human-readable parts are skipped unless they are plain text holding JSON; anything else is looked into. */
    private static boolean mayHoldReport(MailPart part) {
        if (ReportUnpacker.isText(part)) {
            return !part.mimeType().equals("text/html") && ContentSniffer.sniff(part.body()) == ContentSniffer.Kind.JSON;
        }
        return true;
    }
}
