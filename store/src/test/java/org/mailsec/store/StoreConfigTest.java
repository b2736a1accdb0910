package org.mailsec.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class StoreConfigTest {

    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    @Test
    void withoutAUrlTheEmbeddedH2DatabaseUnderJamesVarIsUsed() {
        StoreConfig c = StoreConfig.fromProperties(props(), Path.of("/opt/james/var/mailsec"));
        assertThat(c.dialect()).isEqualTo(StoreConfig.Dialect.H2);
        assertThat(c.jdbcUrl()).startsWith("jdbc:h2:file:/opt/james/var/mailsec/mailsec");
    }

    @Test
    void postgresqlSettingsAreRead() {
        StoreConfig c = StoreConfig.fromProperties(props("mailsec.store.url", "jdbc:postgresql://db.internal/mailsec",
            "mailsec.store.user", "james", "mailsec.store.password", "s3cret", "mailsec.store.pool.size", "20"), Path.of("/tmp"));
        assertThat(c).isEqualTo(new StoreConfig("jdbc:postgresql://db.internal/mailsec", "james", "s3cret", 20));
        assertThat(c.dialect()).isEqualTo(StoreConfig.Dialect.POSTGRESQL);
    }

    @Test
    void invalidValuesNameTheirKey() {
        assertThatThrownBy(() -> StoreConfig.fromProperties(props("mailsec.store.pool.size", "many"), Path.of("/tmp")))
            .isInstanceOf(StoreException.class).hasMessage("mailsec.store.pool.size=many is not a number");
        assertThatThrownBy(() -> StoreConfig.fromProperties(props("mailsec.store.url", "jdbc:oracle:thin:@x"), Path.of("/tmp")))
            .isInstanceOf(StoreException.class).hasMessageContaining("mailsec.store.url=jdbc:oracle:thin:@x is not supported");
    }
}
