package org.mailsec.store.tlsreport;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mailsec.io.RejectedInputException;
import org.mailsec.store.Database;
import org.mailsec.store.Columns;
import org.mailsec.store.Page;
import org.mailsec.store.Jdbc;
import org.mailsec.store.StoreException;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportJson;

/** {@link IncomingTlsReports} over JDBC: the report as RFC 8460 JSON plus per-policy counts for summaries. */
public final class JdbcIncomingTlsReports implements IncomingTlsReports {

    private static final String COLUMNS = "id, policy_domain, from_domain, mail_from, unauthenticated, "
        + "received_at, report_json";

    private final Jdbc jdbc;

    public JdbcIncomingTlsReports(Database database) {
        this.jdbc = new Jdbc(database);
    }

    @Override
    public Optional<Long> add(TlsReport report, String policyDomain, String fromDomain, String mailFrom,
                              boolean unauthenticated, Instant receivedAt) {
        try (Connection c = jdbc.database().connection()) {
            c.setAutoCommit(false);
            long id;
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO tls_report_incoming (organization, report_id, "
                    + "begin_at, end_at, policy_domain, from_domain, mail_from, unauthenticated, received_at, "
                    + "report_json) VALUES (?,?,?,?,?,?,?,?,?,?)", new String[] {"id"})) {
                Jdbc.bind(insert, Columns.fit(report.organizationName(), Columns.NAME), Columns.fit(report.reportId(), Columns.NAME),
                    report.start(), report.end(), Columns.fit(policyDomain, Columns.NAME), Columns.fit(fromDomain, Columns.NAME),
                    Columns.fit(mailFrom, Columns.NAME), unauthenticated, receivedAt,
                    new String(TlsReportJson.write(report), StandardCharsets.UTF_8));
                insert.executeUpdate();
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    keys.next();
                    id = keys.getLong(1);
                }
            } catch (SQLException e) {
                c.rollback();
                if (Jdbc.UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    return Optional.empty();
                }
                throw e;
            }
            try (PreparedStatement policy = c.prepareStatement("INSERT INTO tls_report_incoming_policy "
                    + "(incoming_id, policy_domain, policy_type, success, failure) VALUES (?,?,?,?,?)");
                 PreparedStatement result = c.prepareStatement("INSERT INTO tls_report_incoming_result "
                    + "(incoming_id, policy_domain, result_type, sessions) VALUES (?,?,?,?)")) {
                for (TlsReport.PolicyResult p : report.policies()) {
                    Jdbc.bind(policy, id, Columns.fit(p.policy().domain(), Columns.NAME), Columns.fit(p.policy().type(), 32),
                        p.successCount(), p.failureCount());
                    policy.addBatch();
                    for (TlsReport.FailureDetail d : p.failureDetails()) {
                        Jdbc.bind(result, id, Columns.fit(p.policy().domain(), Columns.NAME), Columns.fit(d.resultType(), 64),
                            d.failedSessionCount());
                        result.addBatch();
                    }
                }
                policy.executeBatch();
                result.executeBatch();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
            return Optional.of(id);
        } catch (SQLException e) {
            throw new StoreException("cannot store TLS report " + report.reportId() + " from " + report.organizationName()
                + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<IncomingTlsReport> byId(long id) {
        return jdbc.query("read TLS report " + id, "SELECT " + COLUMNS + " FROM tls_report_incoming WHERE id = ?",
            JdbcIncomingTlsReports::row, id).stream().findFirst();
    }

    @Override
    public List<IncomingTlsReport> list(Instant start, Instant end, Optional<String> policyDomain, Page page) {
        // A report may hold policies of several domains: it is listed under each of them.
        String sql = "SELECT " + COLUMNS + " FROM tls_report_incoming WHERE begin_at < ? AND end_at > ?"
            + (policyDomain.isPresent()
                ? " AND id IN (SELECT incoming_id FROM tls_report_incoming_policy WHERE policy_domain = ?)" : "")
            + " ORDER BY begin_at, id LIMIT ? OFFSET ?";
        Object[] params = policyDomain.isPresent() ? new Object[] {end, start, policyDomain.get(), page.limit(), page.offset()}
            : new Object[] {end, start, page.limit(), page.offset()};
        return jdbc.query("list TLS reports", sql, JdbcIncomingTlsReports::row, params);
    }

    @Override
    public List<TlsReportListing> listings(Instant start, Instant end, Optional<String> policyDomain, Page page) {
        String sql = "SELECT r.id, r.organization, r.report_id, r.begin_at, r.end_at, r.policy_domain, r.from_domain, "
            + "r.mail_from, r.unauthenticated, r.received_at, "
            + "(SELECT COALESCE(SUM(p.success), 0) FROM tls_report_incoming_policy p WHERE p.incoming_id = r.id), "
            + "(SELECT COALESCE(SUM(p.failure), 0) FROM tls_report_incoming_policy p WHERE p.incoming_id = r.id) "
            + "FROM tls_report_incoming r WHERE r.begin_at < ? AND r.end_at > ?"
            + (policyDomain.isPresent()
                ? " AND r.id IN (SELECT incoming_id FROM tls_report_incoming_policy WHERE policy_domain = ?)" : "")
            + " ORDER BY r.begin_at, r.id LIMIT ? OFFSET ?";
        Object[] params = policyDomain.isPresent() ? new Object[] {end, start, policyDomain.get(), page.limit(), page.offset()}
            : new Object[] {end, start, page.limit(), page.offset()};
        return jdbc.query("list TLS reports", sql, rs -> new TlsReportListing(rs.getLong(1), rs.getString(2), rs.getString(3),
            Jdbc.instant(rs, "begin_at"), Jdbc.instant(rs, "end_at"), rs.getString(6), rs.getString(7), rs.getString(8),
            rs.getBoolean(9), Jdbc.instant(rs, "received_at"), new Jdbc.Sums().get(rs, 11), new Jdbc.Sums().get(rs, 12)), params);
    }

    @Override
    public List<TlsReportSummary> summaries(Instant start, Instant end, Optional<String> policyDomain) {
        String filter = " r.begin_at < ? AND r.end_at > ?" + (policyDomain.isPresent() ? " AND p.policy_domain = ?" : "");
        Object[] params = policyDomain.isPresent() ? new Object[] {end, start, policyDomain.get()} : new Object[] {end, start};
        Map<String, long[]> totals = new LinkedHashMap<>();
        java.util.Set<String> saturated = new java.util.HashSet<>();
        jdbc.query("summarise TLS reports", "SELECT p.policy_domain, COUNT(DISTINCT p.incoming_id), SUM(p.success), SUM(p.failure) "
            + "FROM tls_report_incoming_policy p JOIN tls_report_incoming r ON r.id = p.incoming_id WHERE" + filter
            + " GROUP BY p.policy_domain ORDER BY p.policy_domain",
            rs -> {
                Jdbc.Sums sums = new Jdbc.Sums();
                totals.put(rs.getString(1), new long[] {rs.getLong(2), sums.get(rs, 3), sums.get(rs, 4)});
                if (sums.saturated()) {
                    saturated.add(rs.getString(1));
                }
                return null;
            }, params);
        Map<String, Map<String, Long>> byType = new HashMap<>();
        jdbc.query("summarise TLS report failures", "SELECT p.policy_domain, p.result_type, SUM(p.sessions) "
            + "FROM tls_report_incoming_result p JOIN tls_report_incoming r ON r.id = p.incoming_id WHERE" + filter
            + " GROUP BY p.policy_domain, p.result_type",
            rs -> {
                Jdbc.Sums sums = new Jdbc.Sums();
                byType.computeIfAbsent(rs.getString(1), k -> new HashMap<>()).put(rs.getString(2), sums.get(rs, 3));
                if (sums.saturated()) {
                    saturated.add(rs.getString(1));
                }
                return null;
            }, params);
        List<TlsReportSummary> out = new ArrayList<>();
        totals.forEach((domain, t) -> out.add(new TlsReportSummary(domain, t[0], t[1], t[2], byType.getOrDefault(domain, Map.of()),
            saturated.contains(domain))));
        return out;
    }

    @Override
    public int deleteReceivedBefore(Instant cutoff) {
        return jdbc.update("remove old TLS reports", "DELETE FROM tls_report_incoming WHERE received_at < ?", cutoff);
    }

    private static IncomingTlsReport row(ResultSet rs) throws SQLException {
        TlsReport report;
        try {
            report = TlsReportJson.read(rs.getString("report_json").getBytes(StandardCharsets.UTF_8));
        } catch (RejectedInputException e) {
            throw new SQLException("stored TLS report " + rs.getLong("id") + " is not readable: " + e.getMessage(), e);
        }
        return new IncomingTlsReport(rs.getLong("id"), report, rs.getString("policy_domain"), rs.getString("from_domain"),
            rs.getString("mail_from"), rs.getBoolean("unauthenticated"),
            Jdbc.instant(rs, "received_at"));
    }
}
