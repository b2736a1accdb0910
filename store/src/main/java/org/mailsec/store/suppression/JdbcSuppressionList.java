package org.mailsec.store.suppression;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.mailsec.store.Database;
import org.mailsec.store.Columns;
import org.mailsec.store.Jdbc;
import org.mailsec.store.StoreException;

/** {@link SuppressionList} over JDBC; addresses are stored lower case. */
public final class JdbcSuppressionList implements SuppressionList {

    private final Jdbc jdbc;

    public JdbcSuppressionList(Database database) {
        this.jdbc = new Jdbc(database);
    }

    @Override
    public Suppression suppress(Suppression.Kind kind, String address, Instant until, String rawComment, Instant now) {
        String a = normalise(address);
        // Comments often quote a far server's answer: cut to the column, never a failed insert.
        String comment = Columns.truncate(rawComment == null ? "" : rawComment, Columns.COMMENT);
        int updated = jdbc.update("extend the suppression of " + a,
            "UPDATE report_suppression SET until_at = ?, comment = ? WHERE kind = ? AND address = ?", until, comment, kind.name(), a);
        if (updated == 0) {
            try {
                jdbc.update("suppress " + a, "INSERT INTO report_suppression (kind, address, inserted, until_at, comment) "
                    + "VALUES (?,?,?,?,?)", kind.name(), a, now, until, comment);
            } catch (StoreException e) {
                // Another node added it at the same moment: extend that entry instead.
                if (!(e.getCause() instanceof SQLException sql) || !Jdbc.UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                    throw e;
                }
                jdbc.update("extend the suppression of " + a,
                    "UPDATE report_suppression SET until_at = ?, comment = ? WHERE kind = ? AND address = ?", until, comment, kind.name(), a);
            }
        }
        return jdbc.query("read the suppression of " + a, "SELECT * FROM report_suppression WHERE kind = ? AND address = ?",
            JdbcSuppressionList::row, kind.name(), a).get(0);
    }

    @Override
    public boolean suppressed(Suppression.Kind kind, String address, Instant now) {
        return !jdbc.query("check the suppression of " + address,
            "SELECT id FROM report_suppression WHERE kind = ? AND address = ? AND until_at > ?", rs -> rs.getLong(1),
            kind.name(), normalise(address), now).isEmpty();
    }

    @Override
    public List<Suppression> list(Suppression.Kind kind) {
        return jdbc.query("list suppressions", "SELECT * FROM report_suppression WHERE kind = ? ORDER BY address",
            JdbcSuppressionList::row, kind.name());
    }

    @Override
    public boolean remove(long id) {
        return jdbc.update("remove suppression " + id, "DELETE FROM report_suppression WHERE id = ?", id) == 1;
    }

    @Override
    public void rememberSent(String messageId, String address, Instant at) {
        String id = Columns.fit(messageId.strip(), Columns.HEADER);
        String a = normalise(address);
        try {
            jdbc.update("remember report " + id, "INSERT INTO report_sent (message_id, address, sent_at) VALUES (?,?,?)",
                id, a, at);
        } catch (StoreException e) {
            if (!(e.getCause() instanceof SQLException sql) || !Jdbc.UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                throw e;
            }
        }
    }

    @Override
    public boolean wasSent(String messageId, String address, Instant since) {
        return !jdbc.query("check report " + messageId, "SELECT sent_at FROM report_sent WHERE message_id = ? AND address = ? "
            + "AND sent_at >= ?", rs -> rs.getString(1), Columns.fit(messageId.strip(), Columns.HEADER), normalise(address),
            since).isEmpty();
    }

    @Override
    public int forgetSentBefore(Instant instant) {
        return jdbc.update("forget sent reports", "DELETE FROM report_sent WHERE sent_at < ?", instant);
    }

    private static String normalise(String address) {
        return Columns.fit(address.strip().toLowerCase(Locale.ROOT), Columns.ADDRESS);
    }

    private static Suppression row(ResultSet rs) throws SQLException {
        return new Suppression(rs.getLong("id"), Suppression.Kind.valueOf(rs.getString("kind")), rs.getString("address"),
            Jdbc.instant(rs, "inserted"), Jdbc.instant(rs, "until_at"), rs.getString("comment"));
    }
}
