package org.mailsec.store.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.testing.TestDatabases;

class PolicyCacheTest {

    private static final String TEXT = "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 604800\r\n";

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void cachesReplacesTouchesBacksOffAndExpires(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            PolicyCache cache = new JdbcPolicyCache(db);
            Instant t = Instant.parse("2026-11-22T10:00:00Z");
            CachedPolicy p = new CachedPolicy("example.com", t, t.plusSeconds(604_800), t, t, false, "20261122", "enforce", TEXT);
            cache.put(p);
            assertThat(cache.get("example.com")).contains(p);
            cache.put(new CachedPolicy("example.com", t, t.plusSeconds(900_000), t.plusSeconds(60), t, false, "20261123", "testing", TEXT));
            assertThat(cache.get("example.com").orElseThrow().recordId()).isEqualTo("20261123");
            cache.setBackoff("example.com", true, t.plusSeconds(120));
            assertThat(cache.get("example.com").orElseThrow().backoff()).isTrue();
            cache.put(new CachedPolicy("old.example", t, t, t, t.minusSeconds(200 * 86_400L), false, "1", "none", "version: STSv1\r\nmode: none\r\nmax_age: 1\r\n"));
            cache.touch("example.com", t.plusSeconds(3600));
            assertThat(cache.all()).extracting(CachedPolicy::domain).containsExactly("example.com", "old.example");
            assertThat(cache.deleteUnusedSince(t.minusSeconds(180 * 86_400L))).isEqualTo(1);
            assertThat(cache.get("old.example")).isEmpty();
            assertThat(cache.delete("example.com")).isTrue();
            assertThat(cache.all()).isEmpty();
        }
    }
}
