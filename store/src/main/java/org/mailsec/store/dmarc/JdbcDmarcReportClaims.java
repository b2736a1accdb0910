package org.mailsec.store.dmarc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.mailsec.store.Database;
import org.mailsec.store.Jdbc;
import org.mailsec.store.StoreException;

/**
 * {@link DmarcReportClaims} over JDBC. A fresh claim is an insert that wins or hits the primary key; taking over an
 * expired one is one conditional update; finishing is a conditional update and the deletes in one transaction.
 */
public final class JdbcDmarcReportClaims implements DmarcReportClaims {

    /** Ids per DELETE statement: far below any database's parameter limit. */
    private static final int DELETE_BATCH = 500;

    private final Database database;
    private final Jdbc jdbc;

    public JdbcDmarcReportClaims(Database database) {
        this.database = database;
        this.jdbc = new Jdbc(database);
    }

    @Override
    public boolean claim(String policyDomain, Instant periodEnd, String node, Instant until, Instant now) {
        try (Connection c = database.connection()) {
            c.setAutoCommit(true);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO dmarc_report_state (policy_domain, period_end, "
                    + "claimed_by, claimed_until) VALUES (?,?,?,?)")) {
                Jdbc.bind(insert, policyDomain, periodEnd, node, until);
                insert.executeUpdate();
                return true;
            } catch (SQLException e) {
                if (!Jdbc.UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
            }
            try (PreparedStatement takeOver = c.prepareStatement("UPDATE dmarc_report_state SET claimed_by = ?, claimed_until = ? "
                    + "WHERE policy_domain = ? AND period_end = ? AND done_at IS NULL AND (claimed_until < ? OR claimed_by = ?)")) {
                Jdbc.bind(takeOver, node, until, policyDomain, periodEnd, now, node);
                return takeOver.executeUpdate() == 1;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot claim the DMARC report of " + policyDomain + " ending " + periodEnd + ": "
                + e.getMessage(), e);
        }
    }

    @Override
    public boolean finish(String policyDomain, Instant periodEnd, String node, Outcome outcome, Instant begin, String reportId,
                          List<Long> reported, Instant now) {
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement done = c.prepareStatement("UPDATE dmarc_report_state SET outcome = ?, done_at = ?, "
                        + "period_begin = ?, report_id = ? WHERE policy_domain = ? AND period_end = ? AND claimed_by = ? "
                        + "AND done_at IS NULL")) {
                    Jdbc.bind(done, outcome.value(), now, begin, reportId, policyDomain, periodEnd, node);
                    if (done.executeUpdate() != 1) {
                        c.rollback();
                        return false;
                    }
                }
                for (int from = 0; from < reported.size(); from += DELETE_BATCH) {
                    List<Long> batch = reported.subList(from, Math.min(reported.size(), from + DELETE_BATCH));
                    try (PreparedStatement delete = c.prepareStatement("DELETE FROM dmarc_evaluation WHERE policy_domain = ? "
                            + "AND id IN (" + "?,".repeat(batch.size() - 1) + "?)")) {
                        delete.setString(1, policyDomain);
                        for (int i = 0; i < batch.size(); i++) {
                            delete.setLong(i + 2, batch.get(i));
                        }
                        delete.executeUpdate();
                    }
                }
                c.commit();
                return true;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot finish the DMARC report of " + policyDomain + " ending " + periodEnd + ": "
                + e.getMessage(), e);
        }
    }

    @Override
    public void release(String policyDomain, Instant periodEnd, String node) {
        jdbc.update("release the DMARC report claim of " + policyDomain, "DELETE FROM dmarc_report_state "
            + "WHERE policy_domain = ? AND period_end = ? AND claimed_by = ? AND done_at IS NULL", policyDomain, periodEnd, node);
    }

    @Override
    public Optional<State> state(String policyDomain, Instant periodEnd) {
        return jdbc.query("read the DMARC report state of " + policyDomain, "SELECT claimed_by, claimed_until, period_begin, "
                + "report_id, outcome, done_at FROM dmarc_report_state WHERE policy_domain = ? AND period_end = ?",
            rs -> new State(rs.getString(1), Jdbc.instant(rs, "claimed_until"), Jdbc.instant(rs, "period_begin"), rs.getString(4),
                rs.getString(5), Jdbc.instant(rs, "done_at")), policyDomain, periodEnd).stream().findFirst();
    }
}
