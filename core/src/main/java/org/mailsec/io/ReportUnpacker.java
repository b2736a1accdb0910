package org.mailsec.io;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The walk every report reader shares: a whole mail is taken apart into the parts that may hold a
 * report, each part or a bare file is decompressed, and each payload of the expected kind (JSON for TLS
 * reports, XML for DMARC) goes to the report parser. Failures say what was found instead.
 *
 * @param <T> the report type
 */
public final class ReportUnpacker<T> {

    /** Parses one decompressed payload into a report. */
    public interface PayloadParser<T> {
        T parse(byte[] payload) throws RejectedInputException;
    }

    private final MailParser mailParser;
    private final Decompressor decompressor;
    private final String reportName;
    private final ContentSniffer.Kind payloadKind;
    private final Predicate<MailPart> mayHoldReport;
    private final PayloadParser<T> parser;

    /**
     * @param reportName    for messages, e.g. {@code "TLS report"}
     * @param payloadKind   what a report is once decompressed ({@code JSON} or {@code XML})
     * @param mayHoldReport which mail parts to look into
     */
    public ReportUnpacker(InputLimits limits, String reportName, ContentSniffer.Kind payloadKind,
                          Predicate<MailPart> mayHoldReport, PayloadParser<T> parser) {
        this.mailParser = new MailParser(limits);
        this.decompressor = new Decompressor(limits);
        this.reportName = reportName;
        this.payloadKind = payloadKind;
        this.mayHoldReport = mayHoldReport;
        this.parser = parser;
    }

    /** The reports in a file or mail; {@code name} is its file name, if known. */
    public List<T> read(byte[] bytes, String name) throws RejectedInputException {
        if (ContentSniffer.sniff(bytes) == ContentSniffer.Kind.MAIL) {
            return readMail(mailParser.parse(bytes));
        }
        return readPayloads(decompressor.unwrap(bytes, name));
    }

    private List<T> readMail(ParsedMail mail) throws RejectedInputException {
        List<T> reports = new ArrayList<>();
        RejectedInputException firstError = null;
        for (MailPart part : mail.parts()) {
            if (!mayHoldReport.test(part)) {
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
        throw new RejectedInputException("not a " + reportName + ": no report part in mail (parts: "
            + mail.parts().stream().map(MailPart::mimeType).toList() + ")");
    }

    private List<T> readPayloads(List<Payload> payloads) throws RejectedInputException {
        List<T> reports = new ArrayList<>();
        for (Payload payload : payloads) {
            ContentSniffer.Kind kind = ContentSniffer.sniff(payload.bytes());
            if (kind != payloadKind) {
                if (payloads.size() == 1) {
                    throw new RejectedInputException("not a " + reportName + ": content is " + describe(kind));
                }
                continue;
            }
            reports.add(parser.parse(payload.bytes()));
        }
        if (reports.isEmpty()) {
            throw new RejectedInputException("not a " + reportName + ": no " + payloadKind + " inside");
        }
        return reports;
    }

    private String describe(ContentSniffer.Kind kind) {
        return switch (kind) {
            case EMPTY -> "empty";
            case JSON, XML -> kind + ", not " + payloadKind;
            case MAIL -> "a mail inside an archive";
            default -> "neither " + payloadKind + ", gzip, zip nor a mail";
        };
    }

    /** True for parts whose declared type is human-readable text (which some senders use for reports too). */
    public static boolean isText(MailPart part) {
        return part.mimeType().toLowerCase(Locale.ROOT).startsWith("text/");
    }
}
