package org.mailsec.dmarc.report;

import java.io.StringWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import org.mailsec.dmarc.report.AggregateReport.DkimAuth;
import org.mailsec.dmarc.report.AggregateReport.Metadata;
import org.mailsec.dmarc.report.AggregateReport.PolicyEvaluated;
import org.mailsec.dmarc.report.AggregateReport.PolicyPublished;
import org.mailsec.dmarc.report.AggregateReport.Reason;
import org.mailsec.dmarc.report.AggregateReport.SpfAuth;
import org.mailsec.io.RejectedInputException;
import org.mailsec.io.ReportCounts;

/**
 * DMARC aggregate report XML, both RFC 7489's and RFC 9990's (namespaces are ignored, element names are
 * the same). Reading is safe against hostile XML: no DTDs, no entities, bounded depth and element count;
 * and lenient: invalid bytes are replaced, text after {@code </feedback>} (broken wrappers) is ignored.
 */
public final class AggregateReportXml {

    /** Records per report: the largest real report in the test data has 2,286; ten times that is refused. */
    public static final int MAX_RECORDS = 25_000;
    /** Messages one row may claim: a trillion; 25,000 rows of it still fit a long. */
    public static final long MAX_COUNT = ReportCounts.MAX;
    public static final String RFC9990_NAMESPACE = "urn:ietf:params:xml:ns:dmarc-2.0";

    private static final Pattern DECLARED_ENCODING = Pattern.compile("^\\s*<\\?xml[^>]*encoding\\s*=\\s*[\"']([A-Za-z0-9._-]+)[\"']");
    private static final XMLInputFactory INPUT = secureInputFactory();
    private static final XMLOutputFactory OUTPUT = XMLOutputFactory.newFactory();

    private AggregateReportXml() {
    }

    private static XMLInputFactory secureInputFactory() {
        XMLInputFactory f = XMLInputFactory.newFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
        f.setProperty(XMLInputFactory.IS_COALESCING, true);
        return f;
    }

    public static AggregateReport read(byte[] xml) throws RejectedInputException {
        String text = decode(xml);
        if (text.isBlank()) {
            throw new RejectedInputException("not a DMARC report: empty");
        }
        return AggregateReportStream.read(INPUT, text);
    }

    /**
     * Decodes as XML 1.0 Appendix F says: UTF-16 by its byte order mark or its zero bytes, otherwise the declared
     * charset (default UTF-8), replacing bytes that are invalid in it.
     */
    private static String decode(byte[] xml) {
        Charset charset = StandardCharsets.UTF_8;
        String head = new String(xml, 0, Math.min(xml.length, 200), StandardCharsets.ISO_8859_1);
        boolean utf8Bom = org.mailsec.io.ContentSniffer.utf8Bom(xml);
        Matcher m = DECLARED_ENCODING.matcher(utf8Bom ? head.substring(3) : head);
        Boolean utf16BigEndian = org.mailsec.io.ContentSniffer.utf16ByteOrder(xml);
        if (utf16BigEndian != null) {
            charset = utf16BigEndian ? StandardCharsets.UTF_16BE : StandardCharsets.UTF_16LE;
        } else if (!utf8Bom && m.find() && !m.group(1).toUpperCase(java.util.Locale.ROOT).matches("UTF-?(16|32).*|UCS.*")) {
            // Appendix F: a UTF-8 BOM wins over the declaration; ASCII-compatible bytes declared UTF-16 or UTF-32 (a
            // .NET StringWriter habit) are not UTF-16.
            try {
                charset = Charset.forName(m.group(1));
            } catch (IllegalArgumentException e) {
                // unknown charset name: UTF-8 with replacement is the best guess
            }
        }
        // The String constructor replaces malformed and unmappable input, as a REPLACE decoder does, in one step.
        String s = new String(xml, charset);
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    /**
     * Writes the report as XML: RFC 7489's format, or RFC 9990's (its namespace and version 1.0). What is written is what
     * the report holds (stored reports of others are written back as received); making a report of ours fit a schema's
     * stricter rules (one error element, one SPF result) is its builder's.
     */
    public static byte[] write(AggregateReport report, boolean rfc9990) {
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter w = OUTPUT.createXMLStreamWriter(out);
            w.writeStartDocument("UTF-8", "1.0");
            w.writeStartElement("feedback");
            if (rfc9990) {
                w.writeDefaultNamespace(RFC9990_NAMESPACE);
                element(w, "version", "1.0");
            } else if (report.version() != null) {
                element(w, "version", report.version());
            }
            Metadata m = report.metadata();
            w.writeStartElement("report_metadata");
            element(w, "org_name", m.orgName());
            element(w, "email", m.email());
            element(w, "extra_contact_info", m.extraContactInfo());
            element(w, "report_id", m.reportId());
            w.writeStartElement("date_range");
            element(w, "begin", m.begin() == null ? null : Long.toString(m.begin().getEpochSecond()));
            element(w, "end", m.end() == null ? null : Long.toString(m.end().getEpochSecond()));
            w.writeEndElement();
            for (String error : m.errors()) {
                element(w, "error", error);
            }
            if (rfc9990) {
                element(w, "generator", m.generator());
            }
            w.writeEndElement();
            PolicyPublished p = report.policy();
            w.writeStartElement("policy_published");
            element(w, "domain", p.domain());
            element(w, "adkim", p.adkim());
            element(w, "aspf", p.aspf());
            element(w, "p", p.p());
            element(w, "sp", p.sp());
            if (rfc9990) {
                element(w, "np", p.np());
                element(w, "testing", p.testing());
                element(w, "discovery_method", p.discoveryMethod());
            } else {
                element(w, "pct", p.pct() == null ? null : p.pct().toString());
            }
            element(w, "fo", p.fo());
            w.writeEndElement();
            for (AggregateReport.Record r : report.records()) {
                w.writeStartElement("record");
                w.writeStartElement("row");
                element(w, "source_ip", r.row().sourceIp());
                element(w, "count", Long.toString(r.row().count()));
                PolicyEvaluated pe = r.row().evaluated();
                w.writeStartElement("policy_evaluated");
                element(w, "disposition", pe.disposition());
                element(w, "dkim", pe.dkim());
                element(w, "spf", pe.spf());
                for (Reason reason : pe.reasons()) {
                    w.writeStartElement("reason");
                    element(w, "type", reason.type());
                    element(w, "comment", reason.comment());
                    w.writeEndElement();
                }
                w.writeEndElement();
                w.writeEndElement();
                w.writeStartElement("identifiers");
                element(w, "envelope_to", r.identifiers().envelopeTo());
                element(w, "envelope_from", r.identifiers().envelopeFrom());
                element(w, "header_from", r.identifiers().headerFrom());
                w.writeEndElement();
                w.writeStartElement("auth_results");
                for (DkimAuth d : r.dkim()) {
                    w.writeStartElement("dkim");
                    element(w, "domain", d.domain());
                    element(w, "selector", d.selector());
                    element(w, "result", d.result());
                    element(w, "human_result", d.humanResult());
                    w.writeEndElement();
                }
                for (SpfAuth s : r.spf()) {
                    w.writeStartElement("spf");
                    element(w, "domain", s.domain());
                    element(w, "scope", s.scope());
                    element(w, "result", s.result());
                    w.writeEndElement();
                }
                w.writeEndElement();
                w.writeEndElement();
            }
            w.writeEndElement();
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write DMARC report XML", e);
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void element(XMLStreamWriter w, String name, String value) throws XMLStreamException {
        if (value != null) {
            w.writeStartElement(name);
            w.writeCharacters(xmlText(value));
            w.writeEndElement();
        }
    }

    /**
     * The text with every character XML 1.0 cannot hold (§2.2: controls but tab, CR and LF; lone surrogates; U+FFFE,
     * U+FFFF) replaced by U+FFFD: a DKIM selector or comment from a hostile message must not make the whole report
     * unreadable (the StAX writer escapes markup, not these).
     */
    static String xmlText(String value) {
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok;
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                if (out != null) {
                    out.append(c).append(value.charAt(i + 1));
                }
                i++;
                continue;
            }
            ok = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD);
            if (!ok && out == null) {
                out = new StringBuilder(value.length()).append(value, 0, i);
            }
            if (out != null) {
                out.append(ok ? c : '\uFFFD');
            }
        }
        return out == null ? value : out.toString();
    }
}
