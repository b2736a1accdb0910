package org.mailsec.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The store's database: a connection pool (HikariCP) over H2 or PostgreSQL, migrated to the current schema
 * (Flyway, {@code db/migration}) when opened. Several James nodes may open the same PostgreSQL database:
 * Flyway serialises their migrations.
 */
public final class Database implements AutoCloseable {

    private final StoreConfig config;
    private final HikariDataSource dataSource;

    private Database(StoreConfig config, HikariDataSource dataSource) {
        this.config = config;
        this.dataSource = dataSource;
    }

    /** Connects and migrates; a wrong URL or an unreachable server fails naming {@code mailsec.store.url}. */
    public static Database open(StoreConfig config) {
        config.dialect();
        Optional<Path> h2File = h2File(config);
        boolean hadData = h2File.map(f -> Files.isRegularFile(f) && f.toFile().length() > 0).orElse(false);
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(config.jdbcUrl());
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
        hikari.setMaximumPoolSize(config.maxPoolSize());
        hikari.setPoolName("mailsec-store");
        hikari.setConnectionTimeout(10_000);
        // Fail at once with a clear message rather than retrying while James starts.
        hikari.setInitializationFailTimeout(1);
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(hikari);
        } catch (RuntimeException e) {
            throw new StoreException("cannot connect to the mailsec store at " + StoreConfig.URL_SETTING + "="
                + config.jdbcUrl() + ": " + rootMessage(e) + (h2File.isPresent() && corrupted(e) ? CORRUPTED : ""), e);
        }
        if (hadData && !hasSchema(dataSource)) {
            // H2 opens a file whose every chunk is damaged as an empty database: migrating it would lose the data
            // silently. Refuse, so that the operator can recover the file first.
            dataSource.close();
            throw new StoreException("the mailsec store at " + StoreConfig.URL_SETTING + "=" + config.jdbcUrl()
                + " is a file holding data but no mailsec tables: it is probably corrupted" + CORRUPTED);
        }
        try {
            Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        } catch (FlywayException e) {
            dataSource.close();
            throw new StoreException("cannot migrate the mailsec store at " + StoreConfig.URL_SETTING + "="
                + config.jdbcUrl() + ": " + rootMessage(e), e);
        }
        return new Database(config, dataSource);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public StoreConfig.Dialect dialect() {
        return config.dialect();
    }

    public Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    @Override
    public void close() {
        dataSource.close();
    }

    private static final String CORRUPTED = " (stop James, keep a copy of the file, then rebuild it with H2's recovery "
        + "tool, java -cp h2-*.jar org.h2.tools.Recover, or move it away to start with an empty store)";

    /** The file of an embedded H2 URL ({@code jdbc:h2:file:/path/name;...} keeps {@code /path/name.mv.db}). */
    private static Optional<Path> h2File(StoreConfig config) {
        String url = config.jdbcUrl();
        if (!url.startsWith("jdbc:h2:file:")) {
            return Optional.empty();
        }
        String path = url.substring("jdbc:h2:file:".length());
        int semicolon = path.indexOf(';');
        return Optional.of(Path.of((semicolon < 0 ? path : path.substring(0, semicolon)) + ".mv.db"));
    }

    /** H2's own words for a damaged file (error 90030, a corrupt store header, a chunk cut short). */
    private static boolean corrupted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("90030") || m.contains("corrupt") || t instanceof java.nio.BufferUnderflowException
                    || t.getClass().getName().endsWith("MVStoreException")) {
                return true;
            }
        }
        return false;
    }

    /** Whether Flyway's history table is there: every migrated mailsec store has it. */
    private static boolean hasSchema(DataSource dataSource) {
        try (Connection c = dataSource.getConnection();
             java.sql.ResultSet tables = c.getMetaData().getTables(null, null, "flyway_schema_history", null)) {
            return tables.next();
        } catch (SQLException e) {
            return false;
        }
    }

    static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
