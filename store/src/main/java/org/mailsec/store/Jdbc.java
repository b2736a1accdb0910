package org.mailsec.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Small JDBC helpers shared by the stores: bind parameters, map rows, name the failed operation. */
public final class Jdbc {

    /** Maps the current row of a result set. */
    public interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    public static final String UNIQUE_VIOLATION = "23505";

    /**
     * Whether a store failure is about the rows' values, not the store: SQL state class 22 (data exception) or 23
     * (integrity constraint) anywhere in the causes. A batch writer sets such rows aside instead of retrying forever.
     */
    public static boolean refusedForContent(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23"))) {
                return true;
            }
        }
        return false;
    }

    private final Database database;

    public Jdbc(Database database) {
        this.database = database;
    }

    public Database database() {
        return database;
    }

    public <T> List<T> query(String what, String sql, Row<T> row, Object... params) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, params);
            List<T> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(row.map(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("cannot " + what + ": " + e.getMessage(), e);
        }
    }

    public int update(String what, String sql, Object... params) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, params);
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot " + what + ": " + e.getMessage(), e);
        }
    }

    public static void bind(PreparedStatement s, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            Object p = params[i];
            if (p instanceof Instant instant) {
                s.setObject(i + 1, utc(instant));
            } else if (p instanceof java.time.LocalDate date) {
                s.setDate(i + 1, java.sql.Date.valueOf(date));
            } else {
                s.setObject(i + 1, p);
            }
        }
    }

    /**
     * Reads SQL sums of counts over many reports: SUM over BIGINT is NUMERIC and can pass what a long holds. Such a
     * sum shows as Long.MAX_VALUE and {@link #saturated()} says so, never as a wrapped or failed number.
     */
    public static final class Sums {
        private static final java.math.BigDecimal LONG_MAX = java.math.BigDecimal.valueOf(Long.MAX_VALUE);
        private boolean saturated;

        public long get(ResultSet rs, int column) throws SQLException {
            java.math.BigDecimal value = rs.getBigDecimal(column);
            if (value == null) {
                return 0;
            }
            if (value.compareTo(LONG_MAX) > 0) {
                saturated = true;
                return Long.MAX_VALUE;
            }
            return value.longValue();
        }

        public boolean saturated() {
            return saturated;
        }
    }

    public static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    public static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    /**
     * An instant as a TIMESTAMP WITH TIME ZONE parameter. Never as a java.sql.Timestamp: H2 converts one through the
     * JVM's time zone, and in a zone with daylight saving time the two UTC hours of the autumn change become one
     * (01:00Z stored as 00:00Z in Europe/Berlin), which corrupts periods and claims.
     */
    public static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

}
