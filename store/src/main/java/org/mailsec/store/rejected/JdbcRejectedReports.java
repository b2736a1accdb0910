package org.mailsec.store.rejected;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.mailsec.store.Database;
import org.mailsec.store.Jdbc;
import org.mailsec.store.StoreException;

/** {@link RejectedReports} over JDBC. */
public final class JdbcRejectedReports implements RejectedReports {

    private final Jdbc jdbc;

    public JdbcRejectedReports(Database database) {
        this.jdbc = new Jdbc(database);
    }

    @Override
    public long add(RejectedReport r) {
        try (Connection c = jdbc.database().connection();
             PreparedStatement insert = c.prepareStatement("INSERT INTO report_rejected (kind, received_at, mail_name, "
                 + "message_id, mail_from, subject, reason) VALUES (?,?,?,?,?,?,?)", new String[] {"id"})) {
            Jdbc.bind(insert, kind(r.kind()), r.receivedAt(), r.mailName(), r.messageId(), r.mailFrom(), r.subject(),
                r.reason());
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        } catch (SQLException e) {
            throw new StoreException("cannot record the rejected report mail " + r.mailName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<RejectedReport> list(RejectedReport.Kind kind, Instant start, Instant end, org.mailsec.store.Page page) {
        return jdbc.query("list rejected reports", "SELECT id, kind, received_at, mail_name, message_id, mail_from, subject, "
                + "reason FROM report_rejected WHERE kind = ? AND received_at >= ? AND received_at < ? "
                + "ORDER BY received_at, id LIMIT " + page.limit() + " OFFSET " + page.offset(),
            rs -> new RejectedReport(rs.getLong("id"), RejectedReport.Kind.valueOf(rs.getString("kind").toUpperCase(Locale.ROOT)),
                Jdbc.instant(rs, "received_at"), rs.getString("mail_name"), rs.getString("message_id"),
                rs.getString("mail_from"), rs.getString("subject"), rs.getString("reason")),
            kind(kind), start, end);
    }

    @Override
    public int deleteReceivedBefore(Instant cutoff) {
        return jdbc.update("remove old rejected-report records", "DELETE FROM report_rejected WHERE received_at < ?", cutoff);
    }

    private static String kind(RejectedReport.Kind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }
}
