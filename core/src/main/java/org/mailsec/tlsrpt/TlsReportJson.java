package org.mailsec.tlsrpt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mailsec.io.BoundedJson;
import org.mailsec.io.RejectedInputException;
import org.mailsec.io.ReportCounts;
import org.mailsec.io.ReportInstants;
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

    public static TlsReport read(byte[] json) throws RejectedInputException {
        JsonNode root;
        try {
            root = BoundedJson.read(json, BoundedJson.Limits.REPORT);
        } catch (RejectedInputException e) {
            throw new RejectedInputException("not a TLS report: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new RejectedInputException("not a TLS report: JSON is not an object");
        }
        String reportId = text(root, "report-id");
        if (reportId == null) {
            throw new RejectedInputException("not a TLS report: missing report-id");
        }
        JsonNode range = root.get("date-range");
        if (range == null || !range.isObject()) {
            throw new RejectedInputException("not a TLS report: missing date-range");
        }
        JsonNode policies = root.get("policies");
        if (policies == null || !policies.isArray()) {
            throw new RejectedInputException("not a TLS report: missing policies");
        }
        if (policies.size() > MAX_POLICIES) {
            throw new RejectedInputException("refused TLS report: " + policies.size() + " policies, more than "
                + MAX_POLICIES);
        }
        List<PolicyResult> results = new ArrayList<>();
        for (JsonNode p : policies) {
            results.add(policyResult(p));
        }
        String org = text(root, "organization-name");
        return new TlsReport(org == null ? "" : org, date(range, "start-datetime"), date(range, "end-datetime"),
            text(root, "contact-info"), reportId, results);
    }

    private static PolicyResult policyResult(JsonNode node) throws RejectedInputException {
        if (!node.isObject()) {
            throw new RejectedInputException("invalid TLS report: a policies entry is not an object");
        }
        JsonNode p = node.path("policy");
        Policy policy = new Policy(orEmpty(text(p, "policy-type")), policyStrings(p.get("policy-string")),
            orEmpty(text(p, "policy-domain")), mxHosts(p.get("mx-host")));
        JsonNode summary = node.path("summary");
        List<FailureDetail> details = new ArrayList<>();
        JsonNode fd = node.get("failure-details");
        if (fd != null && fd.isArray()) {
            if (fd.size() > MAX_FAILURE_DETAILS) {
                throw new RejectedInputException("refused TLS report: a policy with " + fd.size()
                    + " failure-details, more than " + MAX_FAILURE_DETAILS);
            }
            for (JsonNode d : fd) {
                details.add(new FailureDetail(orEmpty(text(d, "result-type")), text(d, "sending-mta-ip"),
                    text(d, "receiving-mx-hostname"), text(d, "receiving-mx-helo"), text(d, "receiving-ip"),
                    count(d, "failed-session-count"), text(d, "additional-information"),
                    // RFC 8460 as first published called it failure-error-code (erratum 6241).
                    text(d, "failure-reason-code") != null ? text(d, "failure-reason-code") : text(d, "failure-error-code")));
            }
        }
        return new TlsReport.PolicyResult(policy, count(summary, "total-successful-session-count"),
            count(summary, "total-failure-session-count"), details);
    }

    private static final int MAX_POLICY_STRINGS = 1_000;

    /** Policy strings are an array; Microsoft sends tlsa policies as one string holding a JSON array. */
    private static List<String> policyStrings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
            return out;
        }
        String s = node.asText().strip();
        if (s.startsWith("[")) {
            try {
                // JSON inside a string is read with the same bounds as the report around it.
                JsonNode inner = BoundedJson.read(s, BoundedJson.Limits.REPORT);
                if (inner.isArray() && inner.size() <= MAX_POLICY_STRINGS) {
                    inner.forEach(n -> out.add(n.asText()));
                    return out;
                }
            } catch (RejectedInputException e) {
                // not JSON after all, or hostile: keep the string as it is
            }
        }
        out.add(s);
        return out;
    }

    /** mx-host is an array, a single string, absent, or with "mx: " pasted in front. */
    private static List<String> mxHosts(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (node.isArray()) {
            node.forEach(n -> addMxHost(out, n.asText()));
        } else {
            addMxHost(out, node.asText());
        }
        return out;
    }

    private static void addMxHost(List<String> out, String value) {
        String v = value.strip();
        if (v.regionMatches(true, 0, "mx:", 0, 3)) {
            v = v.substring(3).strip();
        }
        if (!v.isEmpty()) {
            out.add(v);
        }
    }

    private static Instant date(JsonNode range, String field) throws RejectedInputException {
        JsonNode node = range.get(field);
        if (node == null || node.isNull()) {
            throw new RejectedInputException("not a TLS report: missing date-range " + field);
        }
        String s = node.asText().strip();
        Instant instant;
        if (node.isNumber()) {
            instant = node.canConvertToLong() ? ReportInstants.ofEpochSecond(node.asLong()) : null;
        } else {
            instant = parseDate(s);
        }
        if (instant == null) {
            throw new RejectedInputException("invalid TLS report: date-range " + field + " '" + abbreviate(s) + "' is not a date");
        }
        return ReportInstants.require(instant, "invalid TLS report: date-range " + field);
    }

    /** A time with second 60 (RFC 3339 §5.6 time-second): a leap second, in whatever offset it is written. */
    private static final java.util.regex.Pattern LEAP_SECOND =
        java.util.regex.Pattern.compile("^(\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:)60((?:\\.\\d+)?(?:[Zz]|[+-]\\d{2}:\\d{2})?)$");

    private static Instant parseDate(String s) {
        java.util.regex.Matcher leap = LEAP_SECOND.matcher(s);
        if (leap.matches()) {
            // Leap seconds are inserted at 23:59:60 UTC only (RFC 3339 §5.7); the JDK has no 60th second, so the
            // instant is taken as 23:59:59 UTC, the last second before (as java.time's ISO_INSTANT does).
            Instant before = parseDate(leap.group(1) + "59" + leap.group(2));
            boolean endOfUtcDay = before != null
                && java.time.LocalTime.ofInstant(before, ZoneOffset.UTC).withNano(0).equals(java.time.LocalTime.of(23, 59, 59));
            return endOfUtcDay ? before : null;
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            try {
                // Microsoft (2023-2024) sends no zone: RFC 8460 means UTC.
                return LocalDateTime.parse(s.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    /** A session count: a whole number from 0 to {@link ReportCounts#MAX}, or the report is refused. */
    private static long count(JsonNode node, String field) throws RejectedInputException {
        return ReportCounts.fromJson("TLS report", field, node.get(field));
    }

    private static String text(JsonNode node, String field) {
        JsonNode n = node.get(field);
        return n == null || n.isNull() || n.isContainerNode() ? null : n.asText();
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
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
