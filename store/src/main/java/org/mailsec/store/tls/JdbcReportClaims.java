package org.mailsec.store.tls;

import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Optional;
import org.mailsec.store.Database;
import org.mailsec.store.Jdbc;
import org.mailsec.store.StoreException;

/**
 * {@link ReportClaims} over JDBC. Each statement runs in its own transaction: the insert of a fresh claim
 * either wins or hits the primary key, and taking over an expired claim is one conditional update, so two
 * nodes can never both hold a claim.
 */
public final class JdbcReportClaims implements ReportClaims {

    private final Database database;
    private final Jdbc jdbc;

    public JdbcReportClaims(Database database) {
        this.database = database;
        this.jdbc = new Jdbc(database);
    }

    @Override
    public boolean claim(String policyDomain, LocalDate day, String node, Instant until, Instant now) {
        try (Connection c = database.connection()) {
            c.setAutoCommit(true);
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO tls_report_state (policy_domain, utc_day, claimed_by, claimed_until) VALUES (?,?,?,?)")) {
                insert.setString(1, policyDomain);
                insert.setDate(2, Date.valueOf(day));
                insert.setString(3, node);
                insert.setObject(4, Jdbc.utc(until));
                insert.executeUpdate();
                return true;
            } catch (SQLException e) {
                if (!Jdbc.UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
            }
            try (PreparedStatement takeOver = c.prepareStatement("UPDATE tls_report_state SET claimed_by = ?, claimed_until = ? "
                    + "WHERE policy_domain = ? AND utc_day = ? AND sent_at IS NULL AND (claimed_until < ? OR claimed_by = ?)")) {
                takeOver.setString(1, node);
                takeOver.setObject(2, Jdbc.utc(until));
                takeOver.setString(3, policyDomain);
                takeOver.setDate(4, Date.valueOf(day));
                takeOver.setObject(5, Jdbc.utc(now));
                takeOver.setString(6, node);
                return takeOver.executeUpdate() == 1;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot claim the report of " + policyDomain + " for " + day + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean markSent(String policyDomain, LocalDate day, String node, Instant sentAt) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement("UPDATE tls_report_state "
                + "SET sent_at = ? WHERE policy_domain = ? AND utc_day = ? AND claimed_by = ? AND sent_at IS NULL")) {
            s.setObject(1, Jdbc.utc(sentAt));
            s.setString(2, policyDomain);
            s.setDate(3, Date.valueOf(day));
            s.setString(4, node);
            return s.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new StoreException("cannot mark the report of " + policyDomain + " for " + day + " sent: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean markSent(String policyDomain, LocalDate day, String node, Instant sentAt, boolean toRecipientDomain,
                            boolean toPolicyDomain, String recipientDomainRua) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement("UPDATE tls_report_state "
                + "SET sent_at = ?, sent_to_recipient_domain = ?, sent_to_policy_domain = ?, recipient_domain_rua = ? "
                + "WHERE policy_domain = ? AND utc_day = ? AND claimed_by = ? AND sent_at IS NULL")) {
            s.setObject(1, Jdbc.utc(sentAt));
            s.setBoolean(2, toRecipientDomain);
            s.setBoolean(3, toPolicyDomain);
            s.setString(4, recipientDomainRua);
            s.setString(5, policyDomain);
            s.setDate(6, Date.valueOf(day));
            s.setString(7, node);
            return s.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new StoreException("cannot mark the report of " + policyDomain + " for " + day + " sent: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean sent(String policyDomain, LocalDate day) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(
                "SELECT sent_at FROM tls_report_state WHERE policy_domain = ? AND utc_day = ?")) {
            s.setString(1, policyDomain);
            s.setDate(2, Date.valueOf(day));
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getTimestamp(1) != null;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the report state of " + policyDomain + " for " + day + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void recordDelivery(String policyDomain, LocalDate day, boolean toRecipientDomain, boolean toPolicyDomain,
                               String recipientDomainRua) {
        jdbc.update("record the delivery of the report of " + policyDomain,
            "UPDATE tls_report_state SET sent_to_recipient_domain = ?, sent_to_policy_domain = ?, recipient_domain_rua = ? "
                + "WHERE policy_domain = ? AND utc_day = ?", toRecipientDomain, toPolicyDomain, recipientDomainRua, policyDomain, day);
    }

    @Override
    public Optional<SendState> state(String policyDomain, LocalDate day) {
        return jdbc.query("read the report state of " + policyDomain,
            "SELECT claimed_by, claimed_until, sent_at, sent_to_recipient_domain, sent_to_policy_domain, recipient_domain_rua "
                + "FROM tls_report_state WHERE policy_domain = ? AND utc_day = ?",
            rs -> new SendState(rs.getString(1), Jdbc.instant(rs, "claimed_until"),
                Jdbc.instant(rs, "sent_at"), rs.getBoolean(4), rs.getBoolean(5), rs.getString(6)),
            policyDomain, day).stream().findFirst();
    }
}
