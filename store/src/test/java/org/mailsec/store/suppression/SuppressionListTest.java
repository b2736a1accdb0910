package org.mailsec.store.suppression;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.testing.TestDatabases;
import org.mailsec.store.suppression.Suppression.Kind;

class SuppressionListTest {

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void suppressesUntilATimeExtendsAndRemoves(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            SuppressionList list = new JdbcSuppressionList(db);
            Instant now = Instant.parse("2026-11-22T10:00:00Z");
            Suppression s = list.suppress(Kind.TLS, "TLSRPT@Example.COM", now.plusSeconds(30 * 86_400L), "hard bounce: 550 no such user", now);
            assertThat(s.address()).isEqualTo("tlsrpt@example.com");
            assertThat(list.suppressed(Kind.TLS, "tlsrpt@example.com", now)).isTrue();
            assertThat(list.suppressed(Kind.DMARC, "tlsrpt@example.com", now)).isFalse();
            assertThat(list.suppressed(Kind.TLS, "tlsrpt@example.com", now.plusSeconds(31 * 86_400L))).isFalse();
            Suppression extended = list.suppress(Kind.TLS, "tlsrpt@example.com", now.plusSeconds(60 * 86_400L), "operator", now);
            assertThat(extended.id()).isEqualTo(s.id());
            assertThat(extended.comment()).isEqualTo("operator");
            assertThat(list.list(Kind.TLS)).singleElement().extracting(Suppression::until).isEqualTo(now.plusSeconds(60 * 86_400L));
            assertThat(list.remove(s.id())).isTrue();
            assertThat(list.list(Kind.TLS)).isEmpty();
        }
    }
}
