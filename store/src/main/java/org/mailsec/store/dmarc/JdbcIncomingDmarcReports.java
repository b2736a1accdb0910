package org.mailsec.store.dmarc;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.dmarc.report.AggregateReportXml;
import org.mailsec.io.RejectedInputException;
import org.mailsec.store.Database;
import org.mailsec.store.Columns;
import org.mailsec.store.Page;
import org.mailsec.store.Jdbc;
import org.mailsec.store.StoreException;

/** {@link IncomingDmarcReports} over JDBC: the report as XML plus the counts summaries add up. */
public final class JdbcIncomingDmarcReports implements IncomingDmarcReports {

    private final Jdbc jdbc;

    public JdbcIncomingDmarcReports(Database database) {
        this.jdbc = new Jdbc(database);
    }

    @Override
    public Optional<Long> add(AggregateReport report, String fromDomain, boolean unauthenticated, Instant receivedAt) {
        long none = 0;
        long quarantine = 0;
        long reject = 0;
        long dkimFail = 0;
        long spfFail = 0;
        long overrides = 0;
        for (AggregateReport.Record r : report.records()) {
            long n = r.row().count();
            String disposition = String.valueOf(r.row().evaluated().disposition());
            none += disposition.equals("quarantine") || disposition.equals("reject") ? 0 : n;
            quarantine += disposition.equals("quarantine") ? n : 0;
            reject += disposition.equals("reject") ? n : 0;
            dkimFail += "pass".equals(r.row().evaluated().dkim()) ? 0 : n;
            spfFail += "pass".equals(r.row().evaluated().spf()) ? 0 : n;
            overrides += r.row().evaluated().reasons().isEmpty() ? 0 : n;
        }
        AggregateReport.Metadata m = report.metadata();
        Instant begin = m.begin() == null ? Instant.EPOCH : m.begin();
        Instant end = m.end() == null ? begin : m.end();
        try (Connection c = jdbc.database().connection(); PreparedStatement s = c.prepareStatement("INSERT INTO "
                + "dmarc_report_incoming (organization, report_id, begin_at, end_at, domain, from_domain, received_at, messages, "
                + "dmarc_pass, disposition_none, disposition_quarantine, disposition_reject, dkim_fail, spf_fail, policy_overrides, "
                + "report_xml, unauthenticated, record_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", new String[] {"id"})) {
            Jdbc.bind(s, Columns.fit(m.orgName(), Columns.NAME), Columns.fit(m.reportId(), Columns.NAME), begin, end,
                Columns.fit(String.valueOf(report.policy().domain()), Columns.NAME), Columns.fit(fromDomain, Columns.NAME), receivedAt,
                report.messages(), report.dmarcPassMessages(), none, quarantine, reject, dkimFail, spfFail, overrides,
                new String(AggregateReportXml.write(report, false), StandardCharsets.UTF_8), unauthenticated,
                (long) report.records().size());
            s.executeUpdate();
            try (ResultSet keys = s.getGeneratedKeys()) {
                keys.next();
                return Optional.of(keys.getLong(1));
            }
        } catch (SQLException e) {
            if (Jdbc.UNIQUE_VIOLATION.equals(e.getSQLState())) {
                return Optional.empty();
            }
            throw new StoreException("cannot store DMARC report " + m.reportId() + " from " + m.orgName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<IncomingDmarcReport> byId(long id) {
        return jdbc.query("read DMARC report " + id, "SELECT id, from_domain, unauthenticated, received_at, report_xml FROM dmarc_report_incoming "
            + "WHERE id = ?", JdbcIncomingDmarcReports::row, id).stream().findFirst();
    }

    @Override
    public List<DmarcReportListing> list(Instant start, Instant end, Optional<String> domain, Page page) {
        String sql = "SELECT id, organization, report_id, domain, begin_at, end_at, record_count, messages, dmarc_pass, "
            + "from_domain, unauthenticated, received_at FROM dmarc_report_incoming WHERE begin_at < ? AND end_at > ?"
            + (domain.isPresent() ? " AND domain = ?" : "") + " ORDER BY begin_at, id LIMIT ? OFFSET ?";
        Object[] filter = params(start, end, domain);
        Object[] all = java.util.Arrays.copyOf(filter, filter.length + 2);
        all[filter.length] = page.limit();
        all[filter.length + 1] = page.offset();
        return jdbc.query("list DMARC reports", sql, rs -> new DmarcReportListing(rs.getLong("id"), rs.getString("organization"),
            rs.getString("report_id"), rs.getString("domain"), Jdbc.instant(rs, "begin_at"), Jdbc.instant(rs, "end_at"),
            rs.getLong("record_count"), rs.getLong("messages"), rs.getLong("dmarc_pass"), rs.getString("from_domain"),
            rs.getBoolean("unauthenticated"), Jdbc.instant(rs, "received_at")), all);
    }

    @Override
    public List<DmarcReportSummary> summaries(Instant start, Instant end, Optional<String> domain) {
        String sql = "SELECT domain, COUNT(*), SUM(messages), SUM(dmarc_pass), SUM(disposition_none), SUM(disposition_quarantine), "
            + "SUM(disposition_reject), SUM(dkim_fail), SUM(spf_fail), SUM(policy_overrides) FROM dmarc_report_incoming "
            + "WHERE begin_at < ? AND end_at > ?" + (domain.isPresent() ? " AND domain = ?" : "") + " GROUP BY domain ORDER BY domain";
        return jdbc.query("summarise DMARC reports", sql, rs -> {
            Jdbc.Sums sums = new Jdbc.Sums();
            return new DmarcReportSummary(rs.getString(1), rs.getLong(2), sums.get(rs, 3), sums.get(rs, 4), sums.get(rs, 5),
                sums.get(rs, 6), sums.get(rs, 7), sums.get(rs, 8), sums.get(rs, 9), sums.get(rs, 10), sums.saturated());
        }, params(start, end, domain));
    }

    @Override
    public int deleteReceivedBefore(Instant cutoff) {
        return jdbc.update("remove old DMARC reports", "DELETE FROM dmarc_report_incoming WHERE received_at < ?", cutoff);
    }

    private static Object[] params(Instant start, Instant end, Optional<String> domain) {
        return domain.isPresent() ? new Object[] {end, start, domain.get()} : new Object[] {end, start};
    }

    private static IncomingDmarcReport row(ResultSet rs) throws SQLException {
        try {
            return new IncomingDmarcReport(rs.getLong("id"),
                AggregateReportXml.read(rs.getString("report_xml").getBytes(StandardCharsets.UTF_8)),
                rs.getString("from_domain"), rs.getBoolean("unauthenticated"), Jdbc.instant(rs, "received_at"));
        } catch (RejectedInputException e) {
            throw new SQLException("stored DMARC report " + rs.getLong("id") + " is not readable: " + e.getMessage(), e);
        }
    }
}
