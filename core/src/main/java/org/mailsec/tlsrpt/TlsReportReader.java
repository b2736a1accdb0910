package org.mailsec.tlsrpt;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mailsec.io.ContentSniffer;
import org.mailsec.io.Decompressor;
import org.mailsec.io.InputLimits;
import org.mailsec.io.MailParser;
import org.mailsec.io.MailPart;
import org.mailsec.io.ParsedMail;
import org.mailsec.io.Payload;
import org.mailsec.io.RejectedInputException;

/**
 * Reads TLS reports from whatever arrives: JSON, gzip, zip, or a whole report mail (multipart/report or a
 * single part, whatever the part's declared type). Formats are recognised by content, not by name.
 */
public final class TlsReportReader {

    private final MailParser mailParser;
    private final Decompressor decompressor;

    public TlsReportReader(InputLimits limits) {
        this.mailParser = new MailParser(limits);
        this.decompressor = new Decompressor(limits);
    }

    public TlsReportReader() {
        this(InputLimits.DEFAULT);
    }

    /** The reports in {@code bytes} (usually one); {@code name} is the file name, if known, for messages. */
    public List<TlsReport> read(byte[] bytes, String name) throws RejectedInputException {
        if (ContentSniffer.sniff(bytes) == ContentSniffer.Kind.MAIL) {
            return readMail(mailParser.parse(bytes));
        }
        return readPayloads(decompressor.unwrap(bytes, name));
    }

    private List<TlsReport> readMail(ParsedMail mail) throws RejectedInputException {
        List<TlsReport> reports = new ArrayList<>();
        RejectedInputException firstError = null;
        for (MailPart part : mail.parts()) {
            if (!mayHoldReport(part)) {
                continue;
            }
            try {
                reports.addAll(readPayloads(decompressor.unwrap(part.body(), part.fileName())));
            } catch (RejectedInputException e) {
                if (firstError == null || isReportPart(part)) {
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
        throw new RejectedInputException("not a TLS report: no report part in mail (parts: "
            + mail.parts().stream().map(MailPart::mimeType).toList() + ")");
    }

    /** Human-readable parts are skipped unless their content is JSON; anything else is looked into. */
    private static boolean mayHoldReport(MailPart part) {
        if (part.mimeType().startsWith("text/")) {
            return ContentSniffer.sniff(part.body()) == ContentSniffer.Kind.JSON && !part.mimeType().equals("text/html");
        }
        return true;
    }

    private static boolean isReportPart(MailPart part) {
        return part.mimeType().startsWith("application/tlsrpt")
            || part.fileName().toLowerCase(Locale.ROOT).contains(".json");
    }

    private List<TlsReport> readPayloads(List<Payload> payloads) throws RejectedInputException {
        List<TlsReport> reports = new ArrayList<>();
        for (Payload payload : payloads) {
            ContentSniffer.Kind kind = ContentSniffer.sniff(payload.bytes());
            if (kind != ContentSniffer.Kind.JSON) {
                if (payloads.size() == 1) {
                    throw new RejectedInputException("not a TLS report: content is " + describe(kind));
                }
                continue;
            }
            reports.add(TlsReportJson.read(payload.bytes()));
        }
        if (reports.isEmpty()) {
            throw new RejectedInputException("not a TLS report: no JSON inside");
        }
        return reports;
    }

    private static String describe(ContentSniffer.Kind kind) {
        return switch (kind) {
            case EMPTY -> "empty";
            case XML -> "XML, not JSON";
            case MAIL -> "a mail inside an archive";
            default -> "neither JSON, gzip, zip nor a mail";
        };
    }
}
