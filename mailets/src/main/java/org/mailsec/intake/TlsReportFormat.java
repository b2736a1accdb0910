package org.mailsec.intake;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.mailsec.io.InputLimits;
import org.mailsec.io.RejectedInputException;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.store.tlsreport.IncomingTlsReports;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportReader;

/** SMTP TLS reports (RFC 8460), mailed or posted, stored once per (organization, report-id, date range). */
public final class TlsReportFormat implements ReportFormat<TlsReport> {

    private final IncomingTlsReports reports;
    private final TlsReportReader reader;

    public TlsReportFormat(IncomingTlsReports reports, InputLimits limits) {
        this.reports = reports;
        this.reader = new TlsReportReader(limits);
    }

    @Override
    public RejectedReport.Kind kind() {
        return RejectedReport.Kind.TLS;
    }

    @Override
    public List<TlsReport> read(byte[] bytes, String fileName) throws RejectedInputException {
        return reader.read(bytes, fileName);
    }

    @Override
    public List<String> about(TlsReport report) {
        return report.policyDomains();
    }

    @Override
    public String describe(TlsReport report) {
        return "TLS report " + report.reportId() + " from " + report.organizationName();
    }

    @Override
    public Optional<Long> store(TlsReport report, Arrival arrival, boolean unauthenticated, Instant receivedAt) {
        return reports.add(report, report.firstPolicyDomain(), arrival.origin(), arrival.sender(), unauthenticated,
            receivedAt);
    }
}
