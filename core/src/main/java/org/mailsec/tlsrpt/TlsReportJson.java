package org.mailsec.tlsrpt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.mailsec.io.BoundedJson;
import org.mailsec.io.RejectedInputException;
import org.mailsec.io.ReportCounts;
import org.mailsec.tlsrpt.TlsReport.FailureDetail;
import org.mailsec.tlsrpt.TlsReport.Policy;
import org.mailsec.tlsrpt.TlsReport.PolicyResult;

/**
 * RFC 8460 JSON to {@link TlsReport} and back. Reading is lenient in the ways real senders need (see
 * shared/testdata's quirks); writing is strict RFC 8460 with a fixed field order.
 */
public final class TlsReportJson {

    /**
     * More policies than this in one report are refused: the largest real report in the test data has 2;
     * 100 leaves room for a tlsa policy per MX host of a large domain.
     */
    public static final int MAX_POLICIES = 100;
    /** Sessions one count may claim: a trillion. 100 policies of 1,000 rows of it still fit a long. */
    public static final long MAX_COUNT = ReportCounts.MAX;
    /** Failure-detail rows per policy, beyond which a report is refused (real reports: a handful). */
    public static final int MAX_FAILURE_DETAILS = 1_000;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
        .withZone(ZoneOffset.UTC);

    private TlsReportJson() {
    }

    /** The report in {@code json}, read as a stream ({@link TlsReportStream}), within {@link BoundedJson.Limits#REPORT}. */
    public static TlsReport read(byte[] json) throws RejectedInputException {
        return TlsReportStream.read(json);
    }

    /** The report as RFC 8460 JSON, fields in the RFC's order. */
    public static byte[] write(TlsReport report) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("organization-name", report.organizationName());
        ObjectNode range = root.putObject("date-range");
        range.put("start-datetime", RFC3339.format(report.start()));
        range.put("end-datetime", RFC3339.format(report.end()));
        root.put("contact-info", report.contactInfo());
        root.put("report-id", report.reportId());
        ArrayNode policies = root.putArray("policies");
        for (PolicyResult pr : report.policies()) {
            ObjectNode entry = policies.addObject();
            ObjectNode policy = entry.putObject("policy");
            policy.put("policy-type", pr.policy().type());
            if (!pr.policy().strings().isEmpty()) {
                ArrayNode strings = policy.putArray("policy-string");
                pr.policy().strings().forEach(strings::add);
            }
            policy.put("policy-domain", pr.policy().domain());
            if (!pr.policy().mxHosts().isEmpty()) {
                ArrayNode mx = policy.putArray("mx-host");
                pr.policy().mxHosts().forEach(mx::add);
            }
            ObjectNode summary = entry.putObject("summary");
            summary.put("total-successful-session-count", pr.successCount());
            summary.put("total-failure-session-count", pr.failureCount());
            if (!pr.failureDetails().isEmpty()) {
                ArrayNode details = entry.putArray("failure-details");
                for (FailureDetail d : pr.failureDetails()) {
                    ObjectNode row = details.addObject();
                    row.put("result-type", d.resultType().toLowerCase(Locale.ROOT));
                    putIfPresent(row, "sending-mta-ip", d.sendingMtaIp());
                    putIfPresent(row, "receiving-mx-hostname", d.receivingMxHostname());
                    putIfPresent(row, "receiving-mx-helo", d.receivingMxHelo());
                    putIfPresent(row, "receiving-ip", d.receivingIp());
                    row.put("failed-session-count", d.failedSessionCount());
                    putIfPresent(row, "additional-information", d.additionalInformation());
                    putIfPresent(row, "failure-reason-code", d.failureReasonCode());
                }
            }
        }
        try {
            return MAPPER.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise TLS report", e);
        }
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null && !value.isEmpty()) {
            node.put(field, value);
        }
    }
}
