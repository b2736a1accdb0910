package org.mailsec.store;

import java.nio.file.Path;
import java.util.Properties;
import java.util.Objects;

/**
 * Where the store lives: an embedded H2 file database by default (one James node), or a PostgreSQL server
 * shared by several James nodes. The setting names are those of {@code mailsec.properties}.
 *
 * @param jdbcUrl      {@code mailsec.store.url}
 * @param user         {@code mailsec.store.user}
 * @param password     {@code mailsec.store.password}
 * @param maxPoolSize  {@code mailsec.store.pool.size}
 */
public record StoreConfig(String jdbcUrl, String user, String password, int maxPoolSize) {

    public static final String URL_SETTING = "mailsec.store.url";
    public static final String USER_SETTING = "mailsec.store.user";
    public static final String PASSWORD_SETTING = "mailsec.store.password";
    public static final String POOL_SIZE_SETTING = "mailsec.store.pool.size";

    public StoreConfig {
        Objects.requireNonNull(jdbcUrl, URL_SETTING);
        if (maxPoolSize < 1) {
            throw new IllegalArgumentException("mailsec.store.pool.size must be at least 1");
        }
    }

    /** The embedded default: an H2 file database in {@code directory} (James's {@code var/mailsec}). */
    public static StoreConfig embedded(Path directory) {
        return new StoreConfig("jdbc:h2:file:" + directory.toAbsolutePath().resolve("mailsec") + ";DB_CLOSE_ON_EXIT=FALSE",
            "mailsec", "", 8);
    }

    /**
     * Reads the {@code mailsec.store.*} settings of {@code mailsec.properties}; without a URL the embedded H2
     * database in {@code defaultDirectory} is used. An invalid value fails with a message naming its key.
     */
    public static StoreConfig fromProperties(Properties properties, Path defaultDirectory) {
        String url = properties.getProperty(URL_SETTING, "").strip();
        StoreConfig base = url.isEmpty() ? embedded(defaultDirectory)
            : new StoreConfig(url, properties.getProperty(USER_SETTING, "").strip(), properties.getProperty(PASSWORD_SETTING, ""), 10);
        String pool = properties.getProperty(POOL_SIZE_SETTING, "").strip();
        int poolSize = base.maxPoolSize();
        if (!pool.isEmpty()) {
            try {
                poolSize = Integer.parseInt(pool);
            } catch (NumberFormatException e) {
                throw new StoreException(POOL_SIZE_SETTING + "=" + pool + " is not a number");
            }
            if (poolSize < 1) {
                throw new StoreException(POOL_SIZE_SETTING + "=" + pool + " must be at least 1");
            }
        }
        StoreConfig config = new StoreConfig(base.jdbcUrl(), base.user(), base.password(), poolSize);
        config.dialect();
        return config;
    }

    public Dialect dialect() {
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return Dialect.POSTGRESQL;
        }
        if (jdbcUrl.startsWith("jdbc:h2:")) {
            return Dialect.H2;
        }
        throw new StoreException(URL_SETTING + "=" + jdbcUrl + " is not supported: use jdbc:h2:... or jdbc:postgresql:...");
    }

    /** The two databases mailsec runs on; SQL differs only where upserts are written. */
    public enum Dialect { H2, POSTGRESQL }
}
