package org.mailsec.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DatabaseTest {

    private static final int LATEST = 7;

    @ParameterizedTest
    @MethodSource("org.mailsec.store.TestDatabases#both")
    void migratesADatabaseCreatedByThePreviousMigrationsKeepingItsData(StoreConfig.Dialect dialect) throws Exception {
        StoreConfig config = TestDatabases.fresh(dialect);
        org.flywaydb.core.Flyway.configure().dataSource(config.jdbcUrl(), config.user(), config.password())
            .locations("classpath:db/migration").target("1").load().migrate();
        try (Connection c = java.sql.DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password());
             Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO tls_report_state (policy_domain, utc_day, claimed_by, claimed_until) "
                + "VALUES ('example.com', DATE '2026-11-21', 'node-a', TIMESTAMP WITH TIME ZONE '2026-11-22 01:00:00+00')");
        }
        try (Database db = Database.open(config)) {
            assertThat(appliedMigrations(db)).isEqualTo(LATEST);
            org.mailsec.store.tls.ReportClaims claims = new org.mailsec.store.tls.JdbcReportClaims(db);
            assertThat(claims.markSent("example.com", java.time.LocalDate.of(2026, 11, 21), "node-a",
                java.time.Instant.parse("2026-11-22T00:30:00Z"))).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.store.TestDatabases#both")
    void reportsReceivedBeforeDkimWasCheckedCountAsUnauthenticated(StoreConfig.Dialect dialect) throws Exception {
        StoreConfig config = TestDatabases.fresh(dialect);
        org.flywaydb.core.Flyway.configure().dataSource(config.jdbcUrl(), config.user(), config.password())
            .locations("classpath:db/migration").target("4").load().migrate();
        try (Connection c = java.sql.DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password());
             Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO tls_report_incoming (organization, report_id, begin_at, end_at, policy_domain, "
                + "from_domain, mail_from, host_report, unauthenticated, received_at, report_json) VALUES ('Org', 'r1', "
                + "TIMESTAMP WITH TIME ZONE '2026-11-21 00:00:00+00', TIMESTAMP WITH TIME ZONE '2026-11-22 00:00:00+00', "
                + "'example.com', 'org.example', 'r@org.example', FALSE, FALSE, TIMESTAMP WITH TIME ZONE '2026-11-22 01:00:00+00', '{}')");
        }
        try (Database db = Database.open(config); Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT unauthenticated FROM tls_report_incoming")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean(1)).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.store.TestDatabases#both")
    void migratesAnEmptyDatabaseAndReopensAMigratedOne(StoreConfig.Dialect dialect) throws Exception {
        StoreConfig config = TestDatabases.fresh(dialect);
        try (Database db = Database.open(config)) {
            assertThat(db.dialect()).isEqualTo(dialect);
            assertThat(appliedMigrations(db)).isEqualTo(LATEST);
        }
        try (Database again = Database.open(config)) {
            assertThat(appliedMigrations(again)).isEqualTo(LATEST);
        }
    }

    private static int appliedMigrations(Database db) throws Exception {
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM \"flyway_schema_history\" WHERE \"success\" = TRUE AND \"type\" = 'SQL'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void unreachableDatabaseNamesTheSetting() {
        StoreConfig config = new StoreConfig("jdbc:postgresql://127.0.0.1:1/mailsec", "mailsec", "x", 2);
        assertThatThrownBy(() -> Database.open(config)).isInstanceOf(StoreException.class)
            .hasMessageContaining("mailsec.store.url=jdbc:postgresql://127.0.0.1:1/mailsec");
    }

    @Test
    void unsupportedUrlNamesTheSetting() {
        assertThatThrownBy(() -> Database.open(new StoreConfig("jdbc:mysql://x/y", "u", "p", 2)))
            .isInstanceOf(StoreException.class).hasMessageContaining("mailsec.store.url=jdbc:mysql://x/y is not supported");
    }
}
