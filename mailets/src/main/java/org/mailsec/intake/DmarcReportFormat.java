package org.mailsec.intake;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.dmarc.report.AggregateReportReader;
import org.mailsec.io.InputLimits;
import org.mailsec.io.RejectedInputException;
import org.mailsec.store.dmarc.IncomingDmarcReports;
import org.mailsec.store.rejected.RejectedReport;

/** DMARC aggregate reports (XML, gzip, zip; XXE-safe), stored once per (organization, report-id, date range). */
public final class DmarcReportFormat implements ReportFormat<AggregateReport> {

    private final IncomingDmarcReports reports;
    private final AggregateReportReader reader;

    public DmarcReportFormat(IncomingDmarcReports reports, InputLimits limits) {
        this.reports = reports;
        this.reader = new AggregateReportReader(limits);
    }

    @Override
    public RejectedReport.Kind kind() {
        return RejectedReport.Kind.DMARC;
    }

    @Override
    public List<AggregateReport> read(byte[] bytes, String fileName) throws RejectedInputException {
        return reader.read(bytes, fileName);
    }

    @Override
    public List<String> about(AggregateReport report) {
        return List.of(String.valueOf(report.policy().domain()));
    }

    @Override
    public String describe(AggregateReport report) {
        return "DMARC report " + report.metadata().reportId() + " from " + report.metadata().orgName();
    }

    @Override
    public Optional<Long> store(AggregateReport report, Arrival arrival, boolean unauthenticated, Instant receivedAt) {
        return reports.add(report, arrival.origin(), unauthenticated, receivedAt);
    }
}
