package org.mailsec.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
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
                + config.jdbcUrl() + ": " + rootMessage(e), e);
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

    static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
