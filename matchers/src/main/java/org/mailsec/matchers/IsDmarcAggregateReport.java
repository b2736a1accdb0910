package org.mailsec.matchers;

import java.util.Set;
import javax.mail.Part;

/**
 * Matches mail carrying a DMARC aggregate report (RFC 7489 §7.2.1.1): an XML, gzip or zip attachment as
 * reporters send them — by type ({@code application/zip}, {@code application/gzip}, {@code text/xml}...), or as
 * {@code application/octet-stream} with a {@code .xml}, {@code .xml.gz}, {@code .gz} or {@code .zip} name.
 * {@code match="org.mailsec.matchers.IsDmarcAggregateReport"}, or {@code …IsDmarcAggregateReport=rua@example.com, …} to
 * match only those reporting addresses among the recipients.
 */
public class IsDmarcAggregateReport extends ReportMatcher {

    private static final Set<String> REPORT_TYPES = Set.of("application/zip", "application/x-zip-compressed",
        "application/gzip", "application/x-gzip", "application/xml", "text/xml");

    @Override
    boolean isReportPart(Part part) {
        return isAggregateReportPart(part);
    }

    static boolean isAggregateReportPart(Part part) {
        String type = ReportParts.baseType(part);
        String name = ReportParts.fileName(part);
        if (REPORT_TYPES.contains(type)) {
            return !type.endsWith("xml") || name.endsWith(".xml") || name.isEmpty();
        }
        return type.equals("application/octet-stream")
            && (name.endsWith(".xml") || name.endsWith(".xml.gz") || name.endsWith(".gz") || name.endsWith(".zip"));
    }
}
