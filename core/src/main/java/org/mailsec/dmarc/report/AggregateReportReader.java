package org.mailsec.dmarc.report;

import java.util.ArrayList;
import java.util.List;
import org.mailsec.io.ContentSniffer;
import org.mailsec.io.Decompressor;
import org.mailsec.io.InputLimits;
import org.mailsec.io.MailParser;
import org.mailsec.io.MailPart;
import org.mailsec.io.ParsedMail;
import org.mailsec.io.Payload;
import org.mailsec.io.RejectedInputException;

/**
 * Reads DMARC aggregate reports from what arrives: XML, gzip (also doubled, or with trailing bytes), zip,
 * or a whole mail (multipart, or a bare zip/gzip as the single part, octet-stream with an .xml.gz name).
 * Formats are recognised by content, not by the declared type or name.
 */
public final class AggregateReportReader {

    private final MailParser mailParser;
    private final Decompressor decompressor;

    public AggregateReportReader(InputLimits limits) {
        this.mailParser = new MailParser(limits);
        this.decompressor = new Decompressor(limits);
    }

    public AggregateReportReader() {
        this(InputLimits.DEFAULT);
    }

    public List<AggregateReport> read(byte[] bytes, String name) throws RejectedInputException {
        if (ContentSniffer.sniff(bytes) == ContentSniffer.Kind.MAIL) {
            return readMail(mailParser.parse(bytes));
        }
        return readPayloads(decompressor.unwrap(bytes, name));
    }

    private List<AggregateReport> readMail(ParsedMail mail) throws RejectedInputException {
        List<AggregateReport> reports = new ArrayList<>();
        RejectedInputException firstError = null;
        for (MailPart part : mail.parts()) {
            ContentSniffer.Kind kind = ContentSniffer.sniff(part.body());
            boolean candidate = kind == ContentSniffer.Kind.GZIP || kind == ContentSniffer.Kind.ZIP
                || kind == ContentSniffer.Kind.XML && !part.mimeType().equals("text/html");
            if (!candidate) {
                continue;
            }
            try {
                reports.addAll(readPayloads(decompressor.unwrap(part.body(), part.fileName())));
            } catch (RejectedInputException e) {
                if (firstError == null) {
                    firstError = e;
                }
            }
        }
        if (!reports.isEmpty()) {
            return reports;
        }
        if (firstError != null) {
            throw firstError;
        }
        throw new RejectedInputException("not a DMARC report: no XML, gzip or zip part in mail (parts: "
            + mail.parts().stream().map(MailPart::mimeType).toList() + ")");
    }

    private List<AggregateReport> readPayloads(List<Payload> payloads) throws RejectedInputException {
        List<AggregateReport> reports = new ArrayList<>();
        for (Payload payload : payloads) {
            ContentSniffer.Kind kind = ContentSniffer.sniff(payload.bytes());
            if (kind != ContentSniffer.Kind.XML) {
                if (payloads.size() == 1) {
                    throw new RejectedInputException("not a DMARC report: content is " + switch (kind) {
                        case EMPTY -> "empty";
                        case JSON -> "JSON, not XML";
                        default -> "neither XML, gzip, zip nor a mail";
                    });
                }
                continue;
            }
            reports.add(AggregateReportXml.read(payload.bytes()));
        }
        if (reports.isEmpty()) {
            throw new RejectedInputException("not a DMARC report: no XML inside");
        }
        return reports;
    }
}
