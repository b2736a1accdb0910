package org.mailsec.store.tls;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.mailsec.store.Database;
import org.mailsec.store.Jdbc;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.StoreException;

/**
 * {@link TlsResultStore} over JDBC. Increments are upserts that add to the stored count, so nodes sharing
 * a PostgreSQL database aggregate into the same rows; keys are written in one order to avoid deadlocks.
 */
public final class JdbcTlsResultStore implements TlsResultStore {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = "policy_domain, utc_day, key_hash, recipient_domain, is_host, report_delivery, "
        + "policy_type, policy_strings, mx_host_pattern, result_type, sending_ip, receiving_mx_hostname, "
        + "receiving_mx_helo, receiving_ip, failure_reason_code, session_count";
    private static final String INSERT = "INSERT INTO tls_result (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    private static final String UPSERT_POSTGRES = INSERT
        + " ON CONFLICT (policy_domain, utc_day, key_hash) DO UPDATE SET session_count = tls_result.session_count + EXCLUDED.session_count";
    private static final String ADD = "UPDATE tls_result SET session_count = session_count + ? "
        + "WHERE policy_domain = ? AND utc_day = ? AND key_hash = ?";

    private final Database database;

    public JdbcTlsResultStore(Database database) {
        this.database = database;
    }

    @Override
    public void add(Map<TlsResultKey, Long> increments) {
        if (increments.isEmpty()) {
            return;
        }
        List<Map.Entry<TlsResultKey, String>> keys = new ArrayList<>();
        increments.keySet().forEach(k -> keys.add(Map.entry(k, k.keyHash())));
        keys.sort(Comparator.comparing((Map.Entry<TlsResultKey, String> e) -> e.getKey().policyDomain())
            .thenComparing(e -> e.getKey().day()).thenComparing(Map.Entry::getValue));
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            try {
                if (database.dialect() == StoreConfig.Dialect.POSTGRESQL) {
                    upsertPostgres(c, keys, increments);
                } else {
                    upsertByUpdateThenInsert(c, keys, increments);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot add " + increments.size() + " TLS result counters: " + e.getMessage(), e);
        }
    }

    private static void upsertPostgres(Connection c, List<Map.Entry<TlsResultKey, String>> keys,
                                       Map<TlsResultKey, Long> increments) throws SQLException {
        try (PreparedStatement upsert = c.prepareStatement(UPSERT_POSTGRES)) {
            for (Map.Entry<TlsResultKey, String> k : keys) {
                bindInsert(upsert, k.getKey(), k.getValue(), increments.get(k.getKey()));
                upsert.addBatch();
            }
            upsert.executeBatch();
        }
    }

    /** H2 has no ON CONFLICT ... DO UPDATE: add to the row, insert it when absent, add again if we lost a race. */
    private static void upsertByUpdateThenInsert(Connection c, List<Map.Entry<TlsResultKey, String>> keys,
                                                 Map<TlsResultKey, Long> increments) throws SQLException {
        try (PreparedStatement add = c.prepareStatement(ADD); PreparedStatement insert = c.prepareStatement(INSERT)) {
            for (Map.Entry<TlsResultKey, String> k : keys) {
                long count = increments.get(k.getKey());
                if (addTo(add, k.getKey(), k.getValue(), count) == 1) {
                    continue;
                }
                try {
                    bindInsert(insert, k.getKey(), k.getValue(), count);
                    insert.executeUpdate();
                } catch (SQLException e) {
                    if (!Jdbc.UNIQUE_VIOLATION.equals(e.getSQLState()) || addTo(add, k.getKey(), k.getValue(), count) != 1) {
                        throw e;
                    }
                }
            }
        }
    }

    private static int addTo(PreparedStatement add, TlsResultKey key, String hash, long count) throws SQLException {
        add.setLong(1, count);
        add.setString(2, key.policyDomain());
        add.setDate(3, Date.valueOf(key.day()));
        add.setString(4, hash);
        return add.executeUpdate();
    }

    private static void bindInsert(PreparedStatement s, TlsResultKey k, String hash, long count) throws SQLException {
        s.setString(1, k.policyDomain());
        s.setDate(2, Date.valueOf(k.day()));
        s.setString(3, hash);
        s.setString(4, k.recipientDomain());
        s.setBoolean(5, k.isHost());
        s.setBoolean(6, k.reportDelivery());
        s.setString(7, k.policyType());
        s.setString(8, json(k.policyStrings()));
        s.setString(9, k.mxHostPattern());
        s.setString(10, k.resultType());
        s.setString(11, k.sendingIp());
        s.setString(12, k.receivingMxHostname());
        s.setString(13, k.receivingMxHelo());
        s.setString(14, k.receivingIp());
        s.setString(15, k.failureReasonCode());
        s.setLong(16, count);
    }

    @Override
    public List<TlsResultCount> results(String policyDomain, LocalDate day) {
        String sql = "SELECT " + COLUMNS + " FROM tls_result WHERE policy_domain = ? AND utc_day = ? ORDER BY key_hash";
        return counts(sql, "TLS results of " + policyDomain + " for " + day, policyDomain, Date.valueOf(day));
    }

    @Override
    public List<TlsResultCount> find(Filter filter, org.mailsec.store.Page page) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM tls_result WHERE utc_day = ?");
        List<Object> params = new ArrayList<>(List.of(Date.valueOf(filter.day())));
        filter.policyDomain().ifPresent(d -> {
            sql.append(" AND policy_domain = ?");
            params.add(d);
        });
        filter.recipientDomain().ifPresent(d -> {
            sql.append(" AND recipient_domain = ?");
            params.add(d);
        });
        filter.isHost().ifPresent(h -> {
            sql.append(" AND is_host = ?");
            params.add(h);
        });
        sql.append(" ORDER BY policy_domain, key_hash LIMIT ? OFFSET ?");
        params.add(page.limit());
        params.add(page.offset());
        return counts(sql.toString(), "TLS results of " + filter.day(), params.toArray());
    }

    private List<TlsResultCount> counts(String sql, String what, Object... params) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            List<TlsResultCount> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new TlsResultCount(new TlsResultKey(rs.getString(1), rs.getDate(2).toLocalDate(), rs.getString(4),
                        rs.getBoolean(5), rs.getBoolean(6), rs.getString(7), strings(rs.getString(8)), rs.getString(9),
                        rs.getString(10), rs.getString(11), rs.getString(12), rs.getString(13), rs.getString(14),
                        rs.getString(15)), rs.getLong(16)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("cannot read " + what + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> policyDomains(LocalDate day) {
        return domains(day, "SELECT DISTINCT policy_domain FROM tls_result WHERE utc_day = ? ORDER BY policy_domain");
    }

    @Override
    public List<String> hostPolicyDomains(LocalDate day) {
        return domains(day, "SELECT DISTINCT policy_domain FROM tls_result WHERE utc_day = ? AND is_host ORDER BY policy_domain");
    }

    private List<String> domains(LocalDate day, String query) {
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement(query)) {
            s.setDate(1, Date.valueOf(day));
            List<String> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("cannot list policy domains for " + day + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int delete(String policyDomain, LocalDate day) {
        return update("DELETE FROM tls_result WHERE policy_domain = ? AND utc_day = ?", policyDomain, day);
    }

    @Override
    public int deleteBefore(LocalDate day) {
        return update("DELETE FROM tls_result WHERE utc_day < ?", null, day);
    }

    private int update(String sql, String policyDomain, LocalDate day) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            int i = 1;
            if (policyDomain != null) {
                s.setString(i++, policyDomain);
            }
            s.setDate(i, Date.valueOf(day));
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot delete TLS results: " + e.getMessage(), e);
        }
    }

    private static String json(List<String> strings) {
        try {
            return JSON.writeValueAsString(strings);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> strings(String json) {
        try {
            return JSON.readValue(json, new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            throw new StoreException("stored policy strings are not a JSON array: " + e.getOriginalMessage(), e);
        }
    }
}
