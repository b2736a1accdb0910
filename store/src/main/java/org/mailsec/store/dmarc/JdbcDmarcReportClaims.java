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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DmarcReportClaims} over JDBC. A fresh lease is an insert that wins or hits the primary key; taking over an
 * expired one is one conditional update; finishing checks the lease, marks the period and deletes its evaluations in
 * one transaction.
 */
public final class JdbcDmarcReportClaims implements DmarcReportClaims {

    /** Ids per DELETE statement: far below any database's parameter limit. */
    private static final int DELETE_BATCH = 500;
    private static final Logger LOG = LoggerFactory.getLogger(JdbcDmarcReportClaims.class);

    private final Database database;
    private final Jdbc jdbc;

    public JdbcDmarcReportClaims(Database database) {
        this.database = database;
        this.jdbc = new Jdbc(database);
    }

    @Override
    public boolean lease(String policyDomain, String holder, Instant until, Instant now) {
        try (Connection c = database.connection()) {
            c.setAutoCommit(true);
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO dmarc_report_lease (policy_domain, holder, held_until) VALUES (?,?,?)")) {
                Jdbc.bind(insert, policyDomain, holder, until);
                insert.executeUpdate();
                return true;
            } catch (SQLException e) {
                if (!Jdbc.UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
            }
            // Only an expired lease is taken over: a live one is another run's, even on this node.
            try (PreparedStatement takeOver = c.prepareStatement("UPDATE dmarc_report_lease SET holder = ?, held_until = ? "
                    + "WHERE policy_domain = ? AND held_until < ?")) {
                Jdbc.bind(takeOver, holder, until, policyDomain, now);
                return takeOver.executeUpdate() == 1;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot lease the DMARC reports of " + policyDomain + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void release(String policyDomain, String holder) {
        try {
            jdbc.update("release the DMARC report lease of " + policyDomain,
                "DELETE FROM dmarc_report_lease WHERE policy_domain = ? AND holder = ?", policyDomain, holder);
        } catch (StoreException e) {
            // The lease then expires by itself; the caller's run goes on with other domains.
            LOG.warn("{}", e.getMessage());
        }
    }

    @Override
    public boolean record(String policyDomain, Instant periodEnd, Instant begin, String reportId, String holder, Instant until,
                          Instant now) {
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            try {
                // Renews the lease and locks its row until commit: only a live holder records (and then hands over).
                try (PreparedStatement held = c.prepareStatement("UPDATE dmarc_report_lease SET held_until = ? "
                        + "WHERE policy_domain = ? AND holder = ? AND held_until > ?")) {
                    Jdbc.bind(held, until, policyDomain, holder, now);
                    if (held.executeUpdate() != 1) {
                        c.rollback();
                        return false;
                    }
                }
                boolean exists;
                boolean done = false;
                try (PreparedStatement existing = c.prepareStatement(
                        "SELECT done_at FROM dmarc_report_state WHERE policy_domain = ? AND period_end = ?")) {
                    Jdbc.bind(existing, policyDomain, periodEnd);
                    try (java.sql.ResultSet rs = existing.executeQuery()) {
                        exists = rs.next();
                        done = exists && rs.getTimestamp(1) != null;
                    }
                }
                if (!exists) {
                    try (PreparedStatement insert = c.prepareStatement("INSERT INTO dmarc_report_state (policy_domain, "
                            + "period_end, period_begin, report_id) VALUES (?,?,?,?)")) {
                        Jdbc.bind(insert, policyDomain, periodEnd, begin, reportId);
                        insert.executeUpdate();
                    }
                }
                boolean open = !done;
                c.commit();
                return open;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot record the DMARC report of " + policyDomain + " ending " + periodEnd + ": "
                + e.getMessage(), e);
        }
    }

    @Override
    public boolean finish(String policyDomain, Instant periodEnd, String holder, Outcome outcome, List<Long> reported,
                          Instant now) {
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            try {
                // Locks the lease row until commit: a run whose lease was taken over cannot finish.
                try (PreparedStatement held = c.prepareStatement("UPDATE dmarc_report_lease SET held_until = held_until "
                        + "WHERE policy_domain = ? AND holder = ?")) {
                    Jdbc.bind(held, policyDomain, holder);
                    if (held.executeUpdate() != 1) {
                        c.rollback();
                        return false;
                    }
                }
                try (PreparedStatement done = c.prepareStatement("UPDATE dmarc_report_state SET outcome = ?, done_at = ? "
                        + "WHERE policy_domain = ? AND period_end = ? AND done_at IS NULL")) {
                    Jdbc.bind(done, outcome.value(), now, policyDomain, periodEnd);
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
    public List<State> unfinished(String policyDomain) {
        return jdbc.query("read the unfinished DMARC reports of " + policyDomain, "SELECT " + STATE_COLUMNS
                + " FROM dmarc_report_state WHERE policy_domain = ? AND done_at IS NULL ORDER BY period_end",
            JdbcDmarcReportClaims::state, policyDomain);
    }

    @Override
    public Optional<Instant> latestPeriodEnd(String policyDomain) {
        return jdbc.query("read the last DMARC report of " + policyDomain, "SELECT MAX(period_end) FROM dmarc_report_state "
                + "WHERE policy_domain = ?",
            rs -> Optional.ofNullable(Jdbc.instant(rs, 1)), policyDomain).stream()
            .findFirst().flatMap(o -> o);
    }

    @Override
    public Optional<State> state(String policyDomain, Instant periodEnd) {
        return jdbc.query("read the DMARC report state of " + policyDomain, "SELECT " + STATE_COLUMNS
                + " FROM dmarc_report_state WHERE policy_domain = ? AND period_end = ?",
            JdbcDmarcReportClaims::state, policyDomain, periodEnd).stream().findFirst();
    }

    private static final String STATE_COLUMNS = "period_end, period_begin, report_id, outcome, done_at";

    private static State state(java.sql.ResultSet rs) throws SQLException {
        return new State(Jdbc.instant(rs, "period_end"), Jdbc.instant(rs, "period_begin"), rs.getString("report_id"),
            rs.getString("outcome"), Jdbc.instant(rs, "done_at"));
    }
}
