package org.mailsec.dmarc.report;

import java.io.StringReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.mailsec.dmarc.report.AggregateReport.DkimAuth;
import org.mailsec.dmarc.report.AggregateReport.Identifiers;
import org.mailsec.dmarc.report.AggregateReport.Metadata;
import org.mailsec.dmarc.report.AggregateReport.PolicyEvaluated;
import org.mailsec.dmarc.report.AggregateReport.PolicyPublished;
import org.mailsec.dmarc.report.AggregateReport.Reason;
import org.mailsec.dmarc.report.AggregateReport.Row;
import org.mailsec.dmarc.report.AggregateReport.SpfAuth;
import org.mailsec.io.RejectedInputException;
import org.mailsec.io.ReportCounts;
import org.mailsec.io.ReportInstants;

/**
 * An RFC 7489 Appendix C / RFC 9990 aggregate report read with StAX straight into {@link AggregateReport}: no
 * tree, nothing held that the model does not keep, so elements the model does not know (extensions, a hostile
 * file's filler) cost time in proportion to their bytes and no memory. Local names only (the namespace differs
 * between versions); the first {@code <feedback>} anywhere is the report, and what follows its end is not read.
 * A field given twice counts as its first occurrence, as in a tree read with "first child named". A fault in
 * the content (a bad count, too many records) refuses the report once the document has been read, with the reason
 * a reader of the whole report would name first: a missing report_id before a bad count.
 */
final class AggregateReportStream {

    static final int MAX_DEPTH = 32;
    /** Text kept of one element; more makes the element "cut" (a count cut short would be another number). */
    private static final int MAX_TEXT = 10_000;
    /** Records, DKIM and SPF results, reasons and errors kept for one report, beyond which it is refused. */
    static final int MAX_RESULTS = 500_000;

    private final XMLStreamReader xml;
    private int depth;
    private int results;

    private AggregateReportStream(XMLStreamReader xml) {
        this.xml = xml;
    }

    static AggregateReport read(XMLInputFactory factory, String text) throws RejectedInputException {
        XMLStreamReader reader = null;
        try {
            reader = factory.createXMLStreamReader(new StringReader(text));
            return new AggregateReportStream(reader).document();
        } catch (XMLStreamException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNumber();
            throw new RejectedInputException("not a DMARC report: invalid XML" + where + ": " + shortMessage(e));
        } finally {
            if (reader != null) {
                try {
                    reader.close();
                } catch (XMLStreamException e) {
                    // nothing left to release
                }
            }
        }
    }

    private static String shortMessage(XMLStreamException e) {
        String m = e.getMessage() == null ? "unreadable" : e.getMessage();
        int i = m.indexOf("Message: ");
        return (i >= 0 ? m.substring(i + 9) : m).strip();
    }

    /** The next event, refused when it is a DOCTYPE or an entity, or opens an element too deep. */
    private int next() throws XMLStreamException, RejectedInputException {
        int event = xml.next();
        switch (event) {
            case XMLStreamConstants.DTD -> throw new RejectedInputException(
                "not a DMARC report: XML with a DOCTYPE is refused (entity expansion / external entities)");
            case XMLStreamConstants.ENTITY_REFERENCE -> throw new RejectedInputException(
                "not a DMARC report: undeclared entity '&" + xml.getLocalName() + ";'");
            case XMLStreamConstants.START_ELEMENT -> {
                if (depth >= MAX_DEPTH) {
                    throw new RejectedInputException("not a DMARC report: XML nested deeper than " + MAX_DEPTH);
                }
                depth++;
            }
            case XMLStreamConstants.END_ELEMENT -> depth--;
            default -> {
                // text, comments, processing instructions
            }
        }
        return event;
    }

    private AggregateReport document() throws XMLStreamException, RejectedInputException {
        while (xml.hasNext()) {
            if (next() == XMLStreamConstants.START_ELEMENT && xml.getLocalName().equals("feedback")) {
                return feedback();
            }
        }
        throw new RejectedInputException("not a DMARC report: no <feedback> element");
    }

    /** Handles the child element that just started; it must read the child to its end. */
    private interface Children {
        void start(String name) throws XMLStreamException, RejectedInputException;
    }

    /** The text of an element, stripped; null when empty; {@code cut} when more than {@link #MAX_TEXT} was written. */
    private record Text(String value, boolean cut) {
        static final Text NONE = new Text(null, false);
    }

    /** Reads the current element to its end: its own text is returned, each child goes to {@code children}. */
    private Text element(Children children) throws XMLStreamException, RejectedInputException {
        StringBuilder text = null;
        boolean cut = false;
        while (true) {
            int event = next();
            switch (event) {
                case XMLStreamConstants.START_ELEMENT -> children.start(xml.getLocalName());
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
                    if (!xml.isWhiteSpace()) {
                        if (text == null) {
                            text = new StringBuilder();
                        }
                        int room = MAX_TEXT - text.length();
                        int length = xml.getTextLength();
                        text.append(xml.getTextCharacters(), xml.getTextStart(), Math.min(room, length));
                        cut |= length > room;
                    }
                }
                case XMLStreamConstants.END_ELEMENT -> {
                    if (text == null) {
                        return new Text(null, cut);
                    }
                    String value = text.toString().strip();
                    return new Text(value.isEmpty() ? null : value, cut);
                }
                case XMLStreamConstants.END_DOCUMENT -> throw new XMLStreamException("the document ends inside an element");
                default -> {
                    // comments, processing instructions
                }
            }
        }
    }

    /** Reads the current element to its end, keeping nothing (its text is not even gathered). */
    private void skip() throws XMLStreamException, RejectedInputException {
        int end = depth - 1;
        while (depth > end) {
            if (next() == XMLStreamConstants.END_DOCUMENT) {
                throw new XMLStreamException("the document ends inside an element");
            }
        }
    }

    private Text leaf() throws XMLStreamException, RejectedInputException {
        return element(name -> skip());
    }

    /** The first occurrence of each named leaf of one element; later ones are read past. */
    private final class Leaves {
        private final Map<String, Text> first = new HashMap<>();
        private final List<String> names;

        Leaves(String... names) {
            this.names = List.of(names);
        }

        /** Takes {@code name} if it is one of the leaves (the child is then read); false otherwise. */
        boolean take(String name) throws XMLStreamException, RejectedInputException {
            if (!names.contains(name)) {
                return false;
            }
            if (first.containsKey(name)) {
                skip();
            } else {
                first.put(name, leaf());
            }
            return true;
        }

        String get(String name) {
            return first.getOrDefault(name, Text.NONE).value();
        }

        boolean cut(String name) {
            return first.getOrDefault(name, Text.NONE).cut();
        }
    }

    private void keep(int more) throws RejectedInputException {
        results += more;
        if (results > MAX_RESULTS) {
            throw new RejectedInputException("refused DMARC report: more than " + MAX_RESULTS
                + " records and results");
        }
    }

    private AggregateReport feedback() throws XMLStreamException, RejectedInputException {
        Leaves leaves = new Leaves("version");
        Map<String, Object> first = new HashMap<>();
        List<AggregateReport.Record> records = new ArrayList<>();
        int[] recordCount = {0};
        RejectedInputException[] recordFault = {null};
        element(name -> {
            if (leaves.take(name)) {
                return;
            }
            switch (name) {
                case "report_metadata", "policy_published", "extensions" -> {
                    if (first.containsKey(name)) {
                        skip();
                    } else {
                        first.put(name, switch (name) {
                            case "report_metadata" -> metadata();
                            case "policy_published" -> policyPublished();
                            default -> extensions();
                        });
                    }
                }
                case "record" -> {
                    recordCount[0]++;
                    if (recordCount[0] > AggregateReportXml.MAX_RECORDS || recordFault[0] != null) {
                        skip();
                        return;
                    }
                    try {
                        records.add(record());
                        keep(1);
                    } catch (CountFault e) {
                        recordFault[0] = e.refusal;
                    }
                }
                default -> skip();
            }
        });
        RawMetadata meta = (RawMetadata) first.get("report_metadata");
        if (meta == null) {
            throw new RejectedInputException("not a DMARC report: missing report_metadata");
        }
        if (meta.reportId() == null) {
            throw new RejectedInputException("not a DMARC report: missing report_id");
        }
        Metadata metadata = new Metadata(orEmpty(meta.orgName()), meta.email(), meta.extraContactInfo(), meta.reportId(),
            epoch(meta.begin()), epoch(meta.end()), meta.errors(), meta.generator());
        PolicyPublished policy = (PolicyPublished) first.getOrDefault("policy_published",
            new PolicyPublished(null, null, null, null, null, null, null, null, null, null));
        if (recordCount[0] > AggregateReportXml.MAX_RECORDS) {
            throw new RejectedInputException("refused DMARC report: " + recordCount[0] + " records, more than "
                + AggregateReportXml.MAX_RECORDS);
        }
        if (recordFault[0] != null) {
            throw recordFault[0];
        }
        @SuppressWarnings("unchecked")
        List<String> extensions = (List<String>) first.getOrDefault("extensions", List.of());
        return new AggregateReport(leaves.get("version"), metadata, policy, records, extensions);
    }

    /** Metadata as written: its dates are judged after the whole report is read. */
    private record RawMetadata(String orgName, String email, String extraContactInfo, String reportId, String begin,
                               String end, List<String> errors, String generator) {
    }

    private RawMetadata metadata() throws XMLStreamException, RejectedInputException {
        Leaves leaves = new Leaves("org_name", "email", "extra_contact_info", "report_id", "generator");
        Leaves[] range = {null};
        List<String> errors = new ArrayList<>();
        element(name -> {
            if (leaves.take(name)) {
                return;
            }
            switch (name) {
                case "date_range" -> {
                    if (range[0] != null) {
                        skip();
                        return;
                    }
                    Leaves dates = new Leaves("begin", "end");
                    element(child -> {
                        if (!dates.take(child)) {
                            skip();
                        }
                    });
                    range[0] = dates;
                }
                case "error" -> {
                    String error = leaf().value();
                    if (error != null) {
                        keep(1);
                        errors.add(error);
                    }
                }
                default -> skip();
            }
        });
        Leaves dates = range[0] == null ? new Leaves() : range[0];
        return new RawMetadata(leaves.get("org_name"), leaves.get("email"), leaves.get("extra_contact_info"),
            leaves.get("report_id"), dates.get("begin"), dates.get("end"), List.copyOf(errors), leaves.get("generator"));
    }

    private PolicyPublished policyPublished() throws XMLStreamException, RejectedInputException {
        Leaves p = new Leaves("domain", "adkim", "aspf", "p", "sp", "np", "pct", "fo", "testing", "discovery_method");
        element(name -> {
            if (!p.take(name)) {
                skip();
            }
        });
        return new PolicyPublished(AggregateReport.lower(p.get("domain")), AggregateReport.lower(p.get("adkim")),
            AggregateReport.lower(p.get("aspf")), AggregateReport.lower(p.get("p")), AggregateReport.lower(p.get("sp")),
            AggregateReport.lower(p.get("np")), integer(p.get("pct")), AggregateReport.lower(p.get("fo")),
            AggregateReport.lower(p.get("testing")), AggregateReport.lower(p.get("discovery_method")));
    }

    private List<String> extensions() throws XMLStreamException, RejectedInputException {
        List<String> names = new ArrayList<>();
        element(name -> {
            keep(1);
            names.add(name);
            skip();
        });
        return List.copyOf(names);
    }

    /** A record whose count is refused: thrown once the record has been read to its end. */
    private static final class CountFault extends RejectedInputException {
        final RejectedInputException refusal;

        CountFault(RejectedInputException refusal) {
            super(refusal.getMessage());
            this.refusal = refusal;
        }
    }

    private AggregateReport.Record record() throws XMLStreamException, RejectedInputException {
        Row[] row = {null};
        Identifiers[] identifiers = {null};
        List<DkimAuth> dkim = new ArrayList<>();
        List<SpfAuth> spf = new ArrayList<>();
        boolean[] authSeen = {false};
        RejectedInputException[] fault = {null};
        element(name -> {
            switch (name) {
                case "row" -> {
                    if (row[0] != null || fault[0] != null) {
                        skip();
                        return;
                    }
                    try {
                        row[0] = row();
                    } catch (CountFault e) {
                        fault[0] = e.refusal;
                    }
                }
                case "identifiers" -> {
                    if (identifiers[0] != null) {
                        skip();
                        return;
                    }
                    Leaves ids = new Leaves("header_from", "envelope_from", "envelope_to");
                    element(child -> {
                        if (!ids.take(child)) {
                            skip();
                        }
                    });
                    identifiers[0] = new Identifiers(ids.get("header_from"), ids.get("envelope_from"), ids.get("envelope_to"));
                }
                case "auth_results" -> {
                    if (authSeen[0]) {
                        skip();
                        return;
                    }
                    authSeen[0] = true;
                    authResults(dkim, spf);
                }
                default -> skip();
            }
        });
        if (fault[0] != null) {
            throw new CountFault(fault[0]);
        }
        Row theRow = row[0];
        if (theRow == null) {
            theRow = new Row(null, ReportCounts.fromText("DMARC report", "count", null),
                new PolicyEvaluated(null, null, null, List.of()));
        }
        return new AggregateReport.Record(theRow,
            identifiers[0] == null ? new Identifiers(null, null, null) : identifiers[0], dkim, spf);
    }

    private Row row() throws XMLStreamException, RejectedInputException {
        Leaves leaves = new Leaves("source_ip", "count");
        PolicyEvaluated[] evaluated = {null};
        element(name -> {
            if (leaves.take(name)) {
                return;
            }
            if (name.equals("policy_evaluated") && evaluated[0] == null) {
                evaluated[0] = policyEvaluated();
            } else {
                skip();
            }
        });
        long count;
        try {
            if (leaves.cut("count")) {
                throw new RejectedInputException("refused DMARC report: count is longer than any count can be");
            }
            count = ReportCounts.fromText("DMARC report", "count", leaves.get("count"));
        } catch (RejectedInputException e) {
            throw new CountFault(e);
        }
        return new Row(leaves.get("source_ip"), count,
            evaluated[0] == null ? new PolicyEvaluated(null, null, null, List.of()) : evaluated[0]);
    }

    private PolicyEvaluated policyEvaluated() throws XMLStreamException, RejectedInputException {
        Leaves leaves = new Leaves("disposition", "dkim", "spf");
        List<Reason> reasons = new ArrayList<>();
        element(name -> {
            if (leaves.take(name)) {
                return;
            }
            if (name.equals("reason")) {
                Leaves reason = new Leaves("type", "comment");
                element(child -> {
                    if (!reason.take(child)) {
                        skip();
                    }
                });
                keep(1);
                reasons.add(new Reason(AggregateReport.lower(reason.get("type")), reason.get("comment")));
            } else {
                skip();
            }
        });
        return new PolicyEvaluated(AggregateReport.lower(leaves.get("disposition")),
            AggregateReport.lower(leaves.get("dkim")), AggregateReport.lower(leaves.get("spf")), reasons);
    }

    private void authResults(List<DkimAuth> dkim, List<SpfAuth> spf) throws XMLStreamException, RejectedInputException {
        element(name -> {
            switch (name) {
                case "dkim" -> {
                    Leaves d = new Leaves("domain", "selector", "result", "human_result");
                    element(child -> {
                        if (!d.take(child)) {
                            skip();
                        }
                    });
                    keep(1);
                    dkim.add(new DkimAuth(d.get("domain"), d.get("selector"), AggregateReport.lower(d.get("result")),
                        d.get("human_result")));
                }
                case "spf" -> {
                    Leaves s = new Leaves("domain", "scope", "result");
                    element(child -> {
                        if (!s.take(child)) {
                            skip();
                        }
                    });
                    keep(1);
                    spf.add(new SpfAuth(s.get("domain"), AggregateReport.lower(s.get("scope")),
                        AggregateReport.lower(s.get("result"))));
                }
                default -> skip();
            }
        });
    }

    private static Instant epoch(String s) throws RejectedInputException {
        if (s == null) {
            return null;
        }
        Instant instant;
        try {
            instant = ReportInstants.ofEpochSecond(Long.parseLong(s.strip()));
        } catch (NumberFormatException e) {
            instant = null;
        }
        if (instant == null) {
            String shown = s.length() <= 40 ? s : s.substring(0, 40) + "…";
            throw new RejectedInputException("invalid DMARC report: date_range '" + shown + "' is not a Unix time in 1970-2200");
        }
        return instant;
    }

    private static Integer integer(String s) {
        try {
            return s == null ? null : Integer.valueOf(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
