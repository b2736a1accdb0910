package org.mailsec.store.dmarc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.store.Database;
import org.mailsec.store.Jdbc;
import org.mailsec.store.StoreException;

/** {@link Evaluations} over JDBC; lists and nested values are stored as JSON text. */
public final class JdbcEvaluations implements Evaluations {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = "policy_domain, evaluated_at, interval_hours, addresses, policy_published, optional, "
        + "source_ip, disposition, aligned_dkim_pass, aligned_spf_pass, override_reasons, envelope_to, envelope_from, "
        + "header_from, dkim_results, spf_results";

    private final Jdbc jdbc;

    public JdbcEvaluations(Database database) {
        this.jdbc = new Jdbc(database);
    }

    @Override
    public Evaluation add(Evaluation e) {
        try (Connection c = jdbc.database().connection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO dmarc_evaluation (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", new String[] {"id"})) {
            Jdbc.bind(s, e.policyDomain(), e.evaluated(), e.intervalHours(), json(e.addresses()), json(e.policyPublished()),
                e.optional(), e.sourceIp(), e.disposition(), e.alignedDkimPass(), e.alignedSpfPass(), json(e.overrideReasons()),
                e.envelopeTo(), e.envelopeFrom(), e.headerFrom(), json(e.dkimResults()), json(e.spfResults()));
            s.executeUpdate();
            try (ResultSet keys = s.getGeneratedKeys()) {
                keys.next();
                return e.withId(keys.getLong(1));
            }
        } catch (SQLException ex) {
            throw new StoreException("cannot store the DMARC evaluation for " + e.policyDomain() + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public List<String> policyDomains() {
        return jdbc.query("list DMARC policy domains", "SELECT DISTINCT policy_domain FROM dmarc_evaluation ORDER BY policy_domain",
            rs -> rs.getString(1));
    }

    @Override
    public void addAll(List<Evaluation> evaluations) {
        if (evaluations.isEmpty()) {
            return;
        }
        try (Connection c = jdbc.database().connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO dmarc_evaluation (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
                for (Evaluation e : evaluations) {
                    Jdbc.bind(s, e.policyDomain(), e.evaluated(), e.intervalHours(), json(e.addresses()),
                        json(e.policyPublished()), e.optional(), e.sourceIp(), e.disposition(), e.alignedDkimPass(),
                        e.alignedSpfPass(), json(e.overrideReasons()), e.envelopeTo(), e.envelopeFrom(), e.headerFrom(),
                        json(e.dkimResults()), json(e.spfResults()));
                    s.addBatch();
                }
                s.executeBatch();
                c.commit();
            } catch (SQLException ex) {
                c.rollback();
                throw ex;
            }
        } catch (SQLException ex) {
            throw new StoreException("cannot store " + evaluations.size() + " DMARC evaluations: " + ex.getMessage(), ex);
        }
    }

    @Override
    public List<Pending> pending(Instant until) {
        return jdbc.query("list DMARC policy domains awaiting a report", "SELECT policy_domain, MIN(interval_hours) "
                + "FROM dmarc_evaluation WHERE evaluated_at < ? GROUP BY policy_domain "
                + "HAVING SUM(CASE WHEN optional THEN 0 ELSE 1 END) > 0 ORDER BY policy_domain",
            rs -> new Pending(rs.getString(1), rs.getInt(2)), until);
    }

    @Override
    public List<Evaluation> forDomain(String policyDomain, Instant until) {
        return jdbc.query("read DMARC evaluations of " + policyDomain, "SELECT id, " + COLUMNS
            + " FROM dmarc_evaluation WHERE policy_domain = ? AND evaluated_at < ? ORDER BY evaluated_at, id",
            JdbcEvaluations::row, policyDomain, until);
    }

    @Override
    public int deleteForDomain(String policyDomain, Instant until) {
        return jdbc.update("remove DMARC evaluations of " + policyDomain,
            "DELETE FROM dmarc_evaluation WHERE policy_domain = ? AND evaluated_at < ?", policyDomain, until);
    }

    @Override
    public boolean anyAccepted(String policyDomain) {
        return !jdbc.query("look for accepted mail of " + policyDomain, "SELECT 1 FROM dmarc_evaluation WHERE policy_domain = ?"
            + " AND disposition <> 'reject' FETCH FIRST 1 ROWS ONLY", rs -> 1, policyDomain).isEmpty();
    }

    @Override
    public List<Count> counts() {
        return jdbc.query("count DMARC evaluations", "SELECT policy_domain, disposition, COUNT(*),"
            + " SUM(CASE WHEN optional THEN 1 ELSE 0 END) FROM dmarc_evaluation GROUP BY policy_domain, disposition"
            + " ORDER BY policy_domain, disposition",
            rs -> new Count(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
    }

    @Override
    public int deleteBefore(Instant cutoff) {
        return jdbc.update("remove old DMARC evaluations", "DELETE FROM dmarc_evaluation WHERE evaluated_at < ?", cutoff);
    }

    private static Evaluation row(ResultSet rs) throws SQLException {
        return new Evaluation(rs.getLong("id"), rs.getString("policy_domain"), Jdbc.instant(rs, "evaluated_at"),
            rs.getInt("interval_hours"), read(rs.getString("addresses"), new TypeReference<List<String>>() { }),
            read(rs.getString("policy_published"), new TypeReference<AggregateReport.PolicyPublished>() { }),
            rs.getBoolean("optional"), rs.getString("source_ip"), rs.getString("disposition"), rs.getBoolean("aligned_dkim_pass"),
            rs.getBoolean("aligned_spf_pass"), read(rs.getString("override_reasons"), new TypeReference<List<AggregateReport.Reason>>() { }),
            rs.getString("envelope_to"), rs.getString("envelope_from"), rs.getString("header_from"),
            read(rs.getString("dkim_results"), new TypeReference<List<AggregateReport.DkimAuth>>() { }),
            read(rs.getString("spf_results"), new TypeReference<List<AggregateReport.SpfAuth>>() { }));
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T read(String json, TypeReference<T> type) throws SQLException {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new SQLException("stored DMARC evaluation field is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
