package org.mailsec.store;

import org.mailsec.testing.TestDatabases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DatabaseTest {

    // SQL migrations applied: V1-V7, V9 and V10 (V8 is a Java migration).
    private static final int LATEST = 9;

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
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
    @MethodSource("org.mailsec.testing.TestDatabases#both")
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
    @MethodSource("org.mailsec.testing.TestDatabases#both")
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
    void aCorruptedH2FileIsNamedAsSuchWithTheSettingAndTheWayOut(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        StoreConfig config = StoreConfig.embedded(dir);
        Database.open(config).close();
        java.nio.file.Path file = dir.resolve("mailsec.mv.db");
        byte[] pristine = java.nio.file.Files.readAllBytes(file);

        // A damaged header: H2 refuses, and the message says what to do.
        byte[] header = pristine.clone();
        for (int i = 0; i < header.length; i += 97) {
            header[i] ^= 0x5a;
        }
        java.nio.file.Files.write(file, header);
        assertThatThrownBy(() -> Database.open(config).close()).isInstanceOf(StoreException.class)
            .hasMessageContaining("mailsec.store.url=" + config.jdbcUrl())
            .hasMessageContaining("org.h2.tools.Recover");

        // Headers intact, every chunk after them damaged: H2 would open it as an empty database; mailsec refuses.
        byte[] chunks = pristine.clone();
        for (int i = 8192; i < chunks.length; i++) {
            chunks[i] ^= 0x5a;
        }
        java.nio.file.Files.write(file, chunks);
        assertThatThrownBy(() -> Database.open(config).close()).isInstanceOf(StoreException.class)
            .hasMessageContaining("probably corrupted").hasMessageContaining("org.h2.tools.Recover");
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
