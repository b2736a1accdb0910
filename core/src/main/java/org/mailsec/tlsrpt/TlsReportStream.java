package org.mailsec.tlsrpt;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.mailsec.io.BoundedJson;
import org.mailsec.io.BoundedJsonParser;
import org.mailsec.io.RejectedInputException;
import org.mailsec.io.ReportCounts;
import org.mailsec.io.ReportInstants;
import org.mailsec.tlsrpt.TlsReport.FailureDetail;
import org.mailsec.tlsrpt.TlsReport.Policy;
import org.mailsec.tlsrpt.TlsReport.PolicyResult;

/**
 * RFC 8460 §4 JSON read token by token straight into {@link TlsReport}: no tree is built, and only what the model
 * keeps is held. Leniencies real senders need: a repeated field counts as its last occurrence (as a tree would),
 * {@code policy-string} may be one string holding a JSON array (Microsoft's tlsa policies), {@code mx-host} a
 * string or an array with {@code "mx: "} pasted in front, dates as epoch seconds or without a zone, counts quoted,
 * {@code failure-error-code} for {@code failure-reason-code}. A fault in the content (a bad count, too many policies)
 * refuses the report only once the whole document has been read, so the reason given is the one a reader of the
 * whole report would name first: a missing report-id before a bad count.
 */
final class TlsReportStream {

    private static final int MAX_POLICY_STRINGS = 1_000;

    private final BoundedJsonParser json;
    private String organization;
    private String contactInfo;
    private String reportId;
    private DateRange range;
    private boolean policiesSeen;
    private List<PolicyResult> policies = new ArrayList<>();
    private int policyEntries;
    private RejectedInputException policyFault;

    private TlsReportStream(BoundedJsonParser json) {
        this.json = json;
    }

    static TlsReport read(byte[] bytes) throws RejectedInputException {
        try (BoundedJsonParser json = BoundedJsonParser.of(bytes, BoundedJson.Limits.REPORT)) {
            return new TlsReportStream(json).report();
        } catch (BoundedJsonParser.InvalidJson e) {
            throw new RejectedInputException("not a TLS report: " + e.getMessage());
        }
    }

    /** A value as a date field holds it: its text, and its exact value when it is a number. */
    private record DateValue(String text, BigDecimal number) {
    }

    private static final class DateRange {
        DateValue start;
        DateValue end;
    }

    private TlsReport report() throws RejectedInputException {
        if (json.nextRequired() != JsonToken.START_OBJECT) {
            json.skipValue();
            throw new RejectedInputException("not a TLS report: JSON is not an object");
        }
        for (String field = json.nextField(); field != null; field = json.nextField()) {
            json.nextRequired();
            switch (field) {
                case "organization-name" -> organization = scalarText();
                case "contact-info" -> contactInfo = scalarText();
                case "report-id" -> reportId = scalarText();
                case "date-range" -> range = dateRange();
                case "policies" -> policies();
                default -> json.skipValue();
            }
        }
        if (reportId == null) {
            throw new RejectedInputException("not a TLS report: missing report-id");
        }
        if (range == null) {
            throw new RejectedInputException("not a TLS report: missing date-range");
        }
        if (!policiesSeen) {
            throw new RejectedInputException("not a TLS report: missing policies");
        }
        if (policyEntries > TlsReportJson.MAX_POLICIES) {
            throw new RejectedInputException("refused TLS report: " + policyEntries + " policies, more than "
                + TlsReportJson.MAX_POLICIES);
        }
        if (policyFault != null) {
            throw policyFault;
        }
        return new TlsReport(organization == null ? "" : organization, date(range.start, "start-datetime"),
            date(range.end, "end-datetime"), contactInfo, reportId, policies);
    }

    /** The current scalar's text; null for JSON null and for an array or object (which is skipped). */
    private String scalarText() throws RejectedInputException {
        if (json.current() == JsonToken.VALUE_NULL) {
            return null;
        }
        if (!json.isScalar()) {
            json.skipValue();
            return null;
        }
        return json.text();
    }

    /** The current value's text as a tree's {@code asText} gives it: "" for an array or object (skipped). */
    private String anyText() throws RejectedInputException {
        if (!json.isScalar()) {
            json.skipValue();
            return "";
        }
        return json.text();
    }

    private DateRange dateRange() throws RejectedInputException {
        if (json.current() != JsonToken.START_OBJECT) {
            json.skipValue();
            return null;
        }
        DateRange dates = new DateRange();
        for (String field = json.nextField(); field != null; field = json.nextField()) {
            json.nextRequired();
            switch (field) {
                case "start-datetime" -> dates.start = dateValue();
                case "end-datetime" -> dates.end = dateValue();
                default -> json.skipValue();
            }
        }
        return dates;
    }

    private DateValue dateValue() throws RejectedInputException {
        if (json.current() == JsonToken.VALUE_NULL) {
            return null;
        }
        if (json.isNumber()) {
            return new DateValue(json.text(), json.decimal());
        }
        return new DateValue(anyText(), null);
    }

    private void policies() throws RejectedInputException {
        policies = new ArrayList<>();
        policyEntries = 0;
        policyFault = null;
        policiesSeen = json.current() == JsonToken.START_ARRAY;
        if (!policiesSeen) {
            json.skipValue();
            return;
        }
        while (json.nextRequired() != JsonToken.END_ARRAY) {
            policyEntries++;
            if (policyEntries > TlsReportJson.MAX_POLICIES || policyFault != null) {
                // Refused either way; the rest is read only to count it and to check it is JSON.
                json.skipValue();
                continue;
            }
            if (json.current() != JsonToken.START_OBJECT) {
                json.skipValue();
                policyFault = new RejectedInputException("invalid TLS report: a policies entry is not an object");
                continue;
            }
            PolicyEntry entry = policyEntry();
            if (entry.fault() != null) {
                policyFault = entry.fault();
            } else {
                policies.add(entry.result());
            }
        }
    }

    private record PolicyEntry(PolicyResult result, RejectedInputException fault) {
    }

    private record Summary(long success, long failure, RejectedInputException fault) {
        static final Summary NONE = new Summary(0, 0, null);
    }

    private record Details(List<FailureDetail> rows, RejectedInputException fault) {
        static final Details NONE = new Details(List.of(), null);
    }

    private PolicyEntry policyEntry() throws RejectedInputException {
        Policy policy = new Policy("", List.of(), "", List.of());
        Summary summary = Summary.NONE;
        Details details = Details.NONE;
        for (String field = json.nextField(); field != null; field = json.nextField()) {
            json.nextRequired();
            switch (field) {
                case "policy" -> policy = policy();
                case "summary" -> summary = summary();
                case "failure-details" -> details = failureDetails();
                default -> json.skipValue();
            }
        }
        // The faults in the order a reader of the whole entry meets them: the rows, then the summary.
        RejectedInputException fault = details.fault() != null ? details.fault() : summary.fault();
        return new PolicyEntry(fault != null ? null
            : new PolicyResult(policy, summary.success(), summary.failure(), details.rows()), fault);
    }

    private Policy policy() throws RejectedInputException {
        if (json.current() != JsonToken.START_OBJECT) {
            json.skipValue();
            return new Policy("", List.of(), "", List.of());
        }
        String type = null;
        List<String> strings = List.of();
        String domain = null;
        List<String> mxHosts = List.of();
        for (String field = json.nextField(); field != null; field = json.nextField()) {
            json.nextRequired();
            switch (field) {
                case "policy-type" -> type = scalarText();
                case "policy-string" -> strings = policyStrings();
                case "policy-domain" -> domain = scalarText();
                case "mx-host" -> mxHosts = mxHosts();
                default -> json.skipValue();
            }
        }
        return new Policy(orEmpty(type), strings, orEmpty(domain), mxHosts);
    }

    /** Policy strings are an array; Microsoft sends tlsa policies as one string holding a JSON array. */
    private List<String> policyStrings() throws RejectedInputException {
        List<String> out = new ArrayList<>();
        if (json.current() == JsonToken.VALUE_NULL) {
            return out;
        }
        if (json.current() == JsonToken.START_ARRAY) {
            while (json.nextRequired() != JsonToken.END_ARRAY) {
                out.add(anyText());
            }
            return out;
        }
        String s = anyText().strip();
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
    private List<String> mxHosts() throws RejectedInputException {
        List<String> out = new ArrayList<>();
        if (json.current() == JsonToken.VALUE_NULL) {
            return out;
        }
        if (json.current() == JsonToken.START_ARRAY) {
            while (json.nextRequired() != JsonToken.END_ARRAY) {
                addMxHost(out, anyText());
            }
        } else {
            addMxHost(out, anyText());
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

    private Summary summary() throws RejectedInputException {
        if (json.current() != JsonToken.START_OBJECT) {
            json.skipValue();
            return Summary.NONE;
        }
        Count success = Count.NONE;
        Count failure = Count.NONE;
        for (String field = json.nextField(); field != null; field = json.nextField()) {
            json.nextRequired();
            switch (field) {
                case "total-successful-session-count" -> success = countOrFault(field);
                case "total-failure-session-count" -> failure = countOrFault(field);
                default -> json.skipValue();
            }
        }
        return new Summary(success.value(), failure.value(), success.fault() != null ? success.fault() : failure.fault());
    }

    private Details failureDetails() throws RejectedInputException {
        if (json.current() != JsonToken.START_ARRAY) {
            json.skipValue();
            return Details.NONE;
        }
        List<FailureDetail> rows = new ArrayList<>();
        RejectedInputException fault = null;
        int entries = 0;
        while (json.nextRequired() != JsonToken.END_ARRAY) {
            entries++;
            if (entries > TlsReportJson.MAX_FAILURE_DETAILS || fault != null) {
                json.skipValue();
                continue;
            }
            try {
                rows.add(failureDetail());
            } catch (BoundedJsonParser.InvalidJson e) {
                throw e;
            } catch (RejectedInputException e) {
                fault = e;
            }
        }
        if (entries > TlsReportJson.MAX_FAILURE_DETAILS) {
            fault = new RejectedInputException("refused TLS report: a policy with " + entries
                + " failure-details, more than " + TlsReportJson.MAX_FAILURE_DETAILS);
        }
        return new Details(rows, fault);
    }

    /** One row; a bad count is thrown only after the row has been read to its end. */
    private FailureDetail failureDetail() throws RejectedInputException {
        if (json.current() != JsonToken.START_OBJECT) {
            json.skipValue();
            return new FailureDetail("", null, null, null, null, 0, null, null);
        }
        String resultType = null;
        String sendingIp = null;
        String mxHostname = null;
        String mxHelo = null;
        String receivingIp = null;
        Count count = Count.NONE;
        String information = null;
        String reasonCode = null;
        String errorCode = null;
        for (String field = json.nextField(); field != null; field = json.nextField()) {
            json.nextRequired();
            switch (field) {
                case "result-type" -> resultType = scalarText();
                case "sending-mta-ip" -> sendingIp = scalarText();
                case "receiving-mx-hostname" -> mxHostname = scalarText();
                case "receiving-mx-helo" -> mxHelo = scalarText();
                case "receiving-ip" -> receivingIp = scalarText();
                case "failed-session-count" -> count = countOrFault(field);
                case "additional-information" -> information = scalarText();
                case "failure-reason-code" -> reasonCode = scalarText();
                // RFC 8460 as first published called it failure-error-code (erratum 6241).
                case "failure-error-code" -> errorCode = scalarText();
                default -> json.skipValue();
            }
        }
        if (count.fault() != null) {
            throw count.fault();
        }
        return new FailureDetail(orEmpty(resultType), sendingIp, mxHostname, mxHelo, receivingIp, count.value(), information,
            reasonCode != null ? reasonCode : errorCode);
    }

    /** A count read, or the refusal it earned (held until the report has been read; the last occurrence counts). */
    private record Count(long value, RejectedInputException fault) {
        static final Count NONE = new Count(0, null);
    }

    /** A session count: a whole number from 0 to {@link ReportCounts#MAX}, or the refusal of the report. */
    private Count countOrFault(String field) throws RejectedInputException {
        try {
            return new Count(ReportCounts.fromJson("TLS report", field, json), null);
        } catch (BoundedJsonParser.InvalidJson e) {
            throw e;
        } catch (RejectedInputException e) {
            return new Count(0, e);
        }
    }

    private static Instant date(DateValue value, String field) throws RejectedInputException {
        if (value == null) {
            throw new RejectedInputException("not a TLS report: missing date-range " + field);
        }
        String s = value.text().strip();
        Instant instant;
        if (value.number() != null) {
            BigDecimal n = value.number();
            boolean fitsLong = n.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) >= 0
                && n.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0;
            // Seconds with their fraction cut off, as a tree's asLong() gave them; |n| < 1 first, by its digits:
            // longValue() of 1e-999999999 would compute 10^999999999 on JDK 17.
            long seconds = !fitsLong || n.signum() == 0 || n.precision() <= n.scale() ? 0
                : n.setScale(0, java.math.RoundingMode.DOWN).longValueExact();
            instant = fitsLong ? ReportInstants.ofEpochSecond(seconds) : null;
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
        Instant plain = plainUtc(s);
        if (plain != null) {
            return plain;
        }
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

    /**
     * {@code yyyy-MM-ddTHH:mm:ssZ}, what nearly every sender writes, read without the general parser; null for any
     * other form (fractions, offsets, leap seconds, no zone), which the general path reads.
     */
    private static Instant plainUtc(String s) {
        if (s.length() != 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':' || s.charAt(19) != 'Z') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59
                || day > java.time.YearMonth.of(year, month).lengthOfMonth() || hour < 0 || minute < 0 || second < 0) {
            return null;
        }
        long days = java.time.LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second);
    }

    /** The number written by {@code count} ASCII digits at {@code from}, or -1. */
    private static int digits(String s, int from, int count) {
        int n = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
