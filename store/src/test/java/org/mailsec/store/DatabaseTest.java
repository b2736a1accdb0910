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

    @ParameterizedTest
    @MethodSource("org.mailsec.store.TestDatabases#both")
    void migratesAnEmptyDatabaseAndReopensAMigratedOne(StoreConfig.Dialect dialect) throws Exception {
        StoreConfig config = TestDatabases.fresh(dialect);
        try (Database db = Database.open(config)) {
            assertThat(db.dialect()).isEqualTo(dialect);
            assertThat(appliedMigrations(db)).isEqualTo(1);
        }
        try (Database again = Database.open(config)) {
            assertThat(appliedMigrations(again)).isEqualTo(1);
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
