package org.mailsec.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.dmarc.report.AggregateReportReader;
import org.mailsec.io.InputLimits;
import org.mailsec.io.RejectedInputException;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportReader;

/**
 * {@code mailsec parse FILE...}: each report file becomes one JSON line on stdout. A file that is not a
 * report gets one line on stderr naming it and why; the others are still processed, and the exit status is 1.
 */
final class ParseCommand {

    private final PrintStream out;
    private final PrintStream err;
    private final ReportFiles reportFiles = new ReportFiles(InputLimits.DEFAULT);

    ParseCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(List<String> files) {
        if (files.isEmpty()) {
            throw new UsageException("parse needs at least one FILE");
        }
        int status = 0;
        for (String file : files) {
            try {
                for (ObjectNode line : describe(Path.of(file))) {
                    out.println(Json.line(line));
                }
            } catch (RejectedInputException e) {
                err.println("mailsec: " + file + ": " + e.getMessage());
                status = 1;
            }
        }
        out.flush();
        return status;
    }

    private List<ObjectNode> describe(Path path) throws RejectedInputException {
        String file = path.toString();
        if (Files.isDirectory(path)) {
            throw new RejectedInputException("is a directory");
        }
        long size;
        try {
            size = Files.size(path);
        } catch (NoSuchFileException e) {
            throw new RejectedInputException("no such file");
        } catch (IOException e) {
            throw new RejectedInputException("cannot read: " + e.getMessage());
        }
        if (size > InputLimits.DEFAULT.maxInputBytes()) {
            throw new RejectedInputException("file is " + size + " bytes, over the limit of " + InputLimits.DEFAULT.maxInputBytes());
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new RejectedInputException("cannot read: " + e.getMessage());
        }
        return reportFiles.read(bytes, path.getFileName().toString()).stream()
            .map(report -> report.toJson(file)).toList();
    }

    static ObjectNode tlsReport(String file, TlsReport report) {
        ObjectNode node = Json.object();
        node.put("file", file);
        node.put("kind", "tlsrpt");
        node.put("organization", report.organizationName());
        node.put("reportId", report.reportId());
        node.put("begin", Json.time(report.start()));
        node.put("end", Json.time(report.end()));
        node.put("totalSuccess", report.totalSuccess());
        node.put("totalFailure", report.totalFailure());
        ArrayNode policies = node.putArray("policies");
        for (TlsReport.PolicyResult p : report.policies()) {
            ObjectNode policy = policies.addObject();
            policy.put("type", p.policy().type());
            policy.put("domain", p.policy().domain());
            ArrayNode mx = policy.putArray("mxHost");
            p.policy().mxHosts().forEach(mx::add);
            policy.put("success", p.successCount());
            policy.put("failure", p.failureCount());
            ArrayNode details = policy.putArray("failureDetails");
            for (TlsReport.FailureDetail d : p.failureDetails()) {
                ObjectNode detail = details.addObject();
                detail.put("resultType", d.resultType());
                detail.put("count", d.failedSessionCount());
                if (d.receivingMxHostname() != null) {
                    detail.put("receivingMxHostname", d.receivingMxHostname());
                }
                if (d.failureReasonCode() != null) {
                    detail.put("failureReasonCode", d.failureReasonCode());
                }
            }
        }
        return node;
    }

    static ObjectNode dmarcReport(String file, AggregateReport report) {
        ObjectNode node = Json.object();
        node.put("file", file);
        node.put("kind", "dmarc");
        node.put("organization", report.metadata().orgName());
        node.put("reportId", report.metadata().reportId());
        node.put("begin", Json.time(report.metadata().begin()));
        node.put("end", Json.time(report.metadata().end()));
        AggregateReport.PolicyPublished p = report.policy();
        node.put("domain", p.domain());
        ObjectNode policy = node.putObject("policy");
        policy.put("p", p.p());
        policy.put("sp", p.sp());
        policy.put("adkim", p.adkim());
        policy.put("aspf", p.aspf());
        if (p.pct() == null) {
            policy.putNull("pct");
        } else {
            policy.put("pct", p.pct());
        }
        node.put("messages", report.messages());
        node.put("dmarcPass", report.dmarcPassMessages());
        node.put("records", report.records().size());
        return node;
    }

    /** Reads a file as a TLS report, else as a DMARC aggregate report, and explains why neither fits. */
    static final class ReportFiles {
        private final TlsReportReader tlsReader;
        private final AggregateReportReader dmarcReader;

        ReportFiles(InputLimits limits) {
            this.tlsReader = new TlsReportReader(limits);
            this.dmarcReader = new AggregateReportReader(limits);
        }

        List<ParsedReport> read(byte[] bytes, String name) throws RejectedInputException {
            RejectedInputException tlsError;
            try {
                return tlsReader.read(bytes, name).stream().map(r -> (ParsedReport) f -> tlsReport(f, r)).toList();
            } catch (RejectedInputException e) {
                tlsError = e;
            }
            RejectedInputException dmarcError;
            try {
                return dmarcReader.read(bytes, name).stream().map(r -> (ParsedReport) f -> dmarcReport(f, r)).toList();
            } catch (RejectedInputException e) {
                dmarcError = e;
            }
            throw moreRelevant(tlsError, dmarcError);
        }

        /** The error of the reader the content was meant for: JSON speaks to TLS, XML to DMARC. */
        private static RejectedInputException moreRelevant(RejectedInputException tls, RejectedInputException dmarc) {
            String t = tls.getMessage();
            String d = dmarc.getMessage();
            if (t.contains("content is XML")) {
                return dmarc;
            }
            if (d.contains("content is JSON")) {
                return tls;
            }
            if (t.startsWith("not a TLS report: no report part") && d.startsWith("not a DMARC report: no report part")) {
                return new RejectedInputException("not a report: the mail has no TLS or DMARC report part");
            }
            if (t.startsWith("not a TLS report: content is") && d.startsWith("not a DMARC report: content is")) {
                return new RejectedInputException("not a report: " + t.substring(t.indexOf("content is")));
            }
            return t.startsWith("not a TLS report") && !d.startsWith("not a DMARC report") ? dmarc : tls;
        }
    }

    /** One report of either kind, as its CLI JSON line. */
    interface ParsedReport {
        ObjectNode toJson(String file);
    }
}
