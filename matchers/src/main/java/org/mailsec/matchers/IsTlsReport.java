package org.mailsec.matchers;

import javax.mail.Part;

/**
 * Matches mail carrying an SMTP TLS report (RFC 8460 §5.3): a {@code multipart/report} with
 * {@code report-type=tlsrpt}, or any part of type {@code application/tlsrpt+gzip} or
 * {@code application/tlsrpt+json} (senders differ; some send the report alone).
 * {@code match="org.mailsec.matchers.IsTlsReport"}, or {@code …IsTlsReport=tlsrpt@example.com, …} to match only
 * those reporting addresses among the recipients.
 */
public class IsTlsReport extends ReportMatcher {

    @Override
    boolean isReportPart(Part part) {
        return isTlsReportPart(part);
    }

    static boolean isTlsReportPart(Part part) {
        String type = ReportParts.baseType(part);
        if (type.equals("multipart/report")) {
            String reportType = ReportParts.type(part).getParameter("report-type");
            return reportType != null && reportType.trim().equalsIgnoreCase("tlsrpt");
        }
        return type.equals("application/tlsrpt+gzip") || type.equals("application/tlsrpt+json");
    }
}
