package org.mailsec.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.mailsec.dmarc.DmarcRecord;
import org.mailsec.dmarc.DmarcRecordException;
import org.mailsec.record.RecordException;
import org.mailsec.mtasts.MtaStsPolicy;
import org.mailsec.mtasts.MtaStsRecord;
import org.mailsec.tlsrpt.TlsRptRecord;
import org.mailsec.record.RecordException;

/**
 * {@code mailsec record KIND TEXT|@FILE}: parses one DNS record (or an MTA-STS policy body) and prints
 * it as JSON, or exits 1 with {@code mailsec: KIND-OF-ERROR: reason} on stderr.
 */
final class RecordCommand {

    /** A record that did not parse: {@code kind} is a stable word such as {@code syntax}. */
    static final class RecordError extends Exception {
        final String kind;

        RecordError(String kind, String message) {
            super(message);
            this.kind = kind;
        }
    }

    private final PrintStream out;
    private final PrintStream err;

    RecordCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(List<String> args) {
        if (args.size() != 2) {
            throw new UsageException("record needs KIND and TEXT (or @FILE)");
        }
        String text = text(args.get(1));
        try {
            ObjectNode json = switch (args.get(0)) {
                case "tlsrpt" -> tlsrpt(text);
                case "mta-sts" -> mtaSts(text);
                case "mta-sts-policy" -> mtaStsPolicy(text);
                case "dmarc" -> dmarc(text);
                default -> throw new UsageException("unknown record kind '" + args.get(0)
                    + "' (tlsrpt, mta-sts, mta-sts-policy, dmarc)");
            };
            out.println(Json.line(json));
            return 0;
        } catch (RecordError e) {
            err.println("mailsec: " + e.kind + ": " + e.getMessage());
            return 1;
        }
    }

    private static String text(String arg) {
        if (!arg.startsWith("@")) {
            return arg;
        }
        try {
            return Files.readString(Path.of(arg.substring(1)), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("cannot read " + arg.substring(1) + ": " + e.getMessage());
        }
    }

    static ObjectNode tlsrpt(String text) throws RecordError {
        try {
            return tlsrptJson(TlsRptRecord.parse(text));
        } catch (RecordException e) {
            throw new RecordError(e.kind().value(), e.getMessage());
        }
    }

    static ObjectNode tlsrptJson(TlsRptRecord record) {
        ObjectNode node = Json.object();
        node.put("kind", "tlsrpt");
        node.put("version", "TLSRPTv1");
        ArrayNode rua = node.putArray("rua");
        record.rua().forEach(u -> rua.add(u.toString()));
        ArrayNode mailto = node.putArray("mailto");
        record.mailtoAddresses().forEach(mailto::add);
        ArrayNode https = node.putArray("https");
        record.httpsEndpoints().forEach(u -> https.add(u.toString()));
        ObjectNode ext = node.putObject("extensions");
        record.extensions().forEach(ext::put);
        return node;
    }

    static ObjectNode mtaSts(String text) throws RecordError {
        try {
            return mtaStsJson(MtaStsRecord.parse(text));
        } catch (RecordException e) {
            throw new RecordError(e.kind().value(), e.getMessage());
        }
    }

    static ObjectNode mtaStsJson(MtaStsRecord record) {
        ObjectNode node = Json.object();
        node.put("kind", "mta-sts");
        node.put("version", "STSv1");
        node.put("id", record.id());
        ObjectNode ext = node.putObject("extensions");
        record.extensions().forEach(ext::put);
        return node;
    }

    static ObjectNode mtaStsPolicy(String text) throws RecordError {
        try {
            return mtaStsPolicyJson(MtaStsPolicy.parse(text.getBytes(StandardCharsets.UTF_8)));
        } catch (RecordException e) {
            throw new RecordError(e.kind().value(), e.getMessage());
        }
    }

    static ObjectNode mtaStsPolicyJson(MtaStsPolicy policy) {
        ObjectNode node = Json.object();
        node.put("kind", "mta-sts-policy");
        node.put("version", "STSv1");
        node.put("mode", policy.mode().value());
        ArrayNode mx = node.putArray("mx");
        policy.mx().forEach(mx::add);
        node.put("maxAge", policy.maxAge().getSeconds());
        ObjectNode ext = node.putObject("extensions");
        policy.extensions().forEach(ext::put);
        ArrayNode warnings = node.putArray("warnings");
        policy.warnings().forEach(warnings::add);
        return node;
    }

    static ObjectNode dmarc(String text) throws RecordError {
        try {
            return dmarcJson(DmarcRecord.parse(text));
        } catch (DmarcRecordException e) {
            throw new RecordError(e.kind().value(), e.getMessage());
        }
    }

    static ObjectNode dmarcJson(DmarcRecord r) {
        ObjectNode node = Json.object();
        node.put("kind", "dmarc");
        node.put("version", "DMARC1");
        node.put("p", r.policy().value());
        node.put("sp", r.subdomainPolicy().value());
        node.put("np", r.nonExistentPolicy().value());
        node.put("adkim", r.dkimAlignment().value());
        node.put("aspf", r.spfAlignment().value());
        node.put("pct", r.percent());
        node.put("ri", r.reportInterval());
        ArrayNode fo = node.putArray("fo");
        r.failureOptions().forEach(fo::add);
        ArrayNode rf = node.putArray("rf");
        r.reportFormats().forEach(rf::add);
        ArrayNode rua = node.putArray("rua");
        r.aggregateUris().forEach(u -> rua.add(u.uri().toString()));
        ArrayNode ruf = node.putArray("ruf");
        r.failureUris().forEach(u -> ruf.add(u.uri().toString()));
        node.put("psd", String.valueOf(r.publicSuffixDomain()));
        node.put("t", r.testing() ? "y" : "n");
        ArrayNode warnings = node.putArray("warnings");
        r.warnings().forEach(warnings::add);
        return node;
    }
}
