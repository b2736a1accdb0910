package org.mailsec.store.policy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.mailsec.store.Database;
import org.mailsec.store.Jdbc;
import org.mailsec.store.StoreException;

/** {@link PolicyCache} over JDBC. */
public final class JdbcPolicyCache implements PolicyCache {

    private static final String COLUMNS = "domain, inserted, valid_end, last_update, last_use, backoff, record_id, mode, policy_text";

    private final Jdbc jdbc;

    public JdbcPolicyCache(Database database) {
        this.jdbc = new Jdbc(database);
    }

    @Override
    public Optional<CachedPolicy> get(String domain) {
        return jdbc.query("read the cached policy of " + domain, "SELECT " + COLUMNS + " FROM mtasts_policy WHERE domain = ?",
            JdbcPolicyCache::row, domain).stream().findFirst();
    }

    @Override
    public void put(CachedPolicy p) {
        // Two nodes storing the same new domain at once: the loser's insert collides; its retry replaces.
        for (int attempt = 1; ; attempt++) {
            try {
                replace(p);
                return;
            } catch (SQLException e) {
                if (attempt < 3 && Jdbc.UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    continue;
                }
                throw new StoreException("cannot cache the MTA-STS policy of " + p.domain() + ": " + e.getMessage(), e);
            }
        }
    }

    /** Replaces in one transaction, so readers on other nodes see the old or the new policy, never none. */
    private void replace(CachedPolicy p) throws SQLException {
        try (Connection c = jdbc.database().connection()) {
            c.setAutoCommit(false);
            try (var delete = c.prepareStatement("DELETE FROM mtasts_policy WHERE domain = ?");
                 var insert = c.prepareStatement("INSERT INTO mtasts_policy (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?)")) {
                Jdbc.bind(delete, p.domain());
                delete.executeUpdate();
                Jdbc.bind(insert, p.domain(), p.inserted(), p.validEnd(), p.lastUpdate(), p.lastUse(), p.backoff(),
                    p.recordId(), p.mode(), p.policyText());
                insert.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    @Override
    public void touch(String domain, Instant lastUse) {
        jdbc.update("note the use of the policy of " + domain, "UPDATE mtasts_policy SET last_use = ? WHERE domain = ?",
            lastUse, domain);
    }

    @Override
    public void setBackoff(String domain, boolean backoff, Instant at) {
        jdbc.update("set the backoff of the policy of " + domain,
            "UPDATE mtasts_policy SET backoff = ?, last_update = ? WHERE domain = ?", backoff, at, domain);
    }

    @Override
    public List<CachedPolicy> all() {
        return jdbc.query("list cached policies", "SELECT " + COLUMNS + " FROM mtasts_policy ORDER BY domain", JdbcPolicyCache::row);
    }

    @Override
    public boolean delete(String domain) {
        return jdbc.update("delete the cached policy of " + domain, "DELETE FROM mtasts_policy WHERE domain = ?", domain) == 1;
    }

    @Override
    public int deleteUnusedSince(Instant cutoff) {
        return jdbc.update("remove unused policies", "DELETE FROM mtasts_policy WHERE last_use < ?", cutoff);
    }

    private static CachedPolicy row(ResultSet rs) throws SQLException {
        return new CachedPolicy(rs.getString("domain"), Jdbc.instant(rs, "inserted"), Jdbc.instant(rs, "valid_end"),
            Jdbc.instant(rs, "last_update"), Jdbc.instant(rs, "last_use"), rs.getBoolean("backoff"), rs.getString("record_id"),
            rs.getString("mode"), rs.getString("policy_text"));
    }
}
