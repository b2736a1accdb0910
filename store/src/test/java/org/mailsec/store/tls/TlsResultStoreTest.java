package org.mailsec.store.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.TestDatabases;

class TlsResultStoreTest {

    static final LocalDate DAY = LocalDate.of(2026, 11, 21);

    static TlsResultKey key(String policyDomain, LocalDate day, String resultType, String mx) {
        return new TlsResultKey(policyDomain, day, policyDomain, false, false, "sts",
            List.of("version: STSv1", "mode: enforce", "mx: " + mx, "max_age: 86400"), mx, resultType, "192.0.2.1", mx,
            "", "198.51.100.1", resultType.isEmpty() ? "" : "reason-" + resultType);
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.store.TestDatabases#both")
    void addsUpReadsBackAndDeletes(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            TlsResultStore store = new JdbcTlsResultStore(db);
            TlsResultKey ok = key("example.com", DAY, "", "mx.example.com");
            TlsResultKey expired = key("example.com", DAY, "certificate-expired", "mx.example.com");
            TlsResultKey other = key("example.org", DAY, "", "mx.example.org");
            TlsResultKey old = key("example.com", DAY.minusDays(3), "", "mx.example.com");
            store.add(Map.of(ok, 3L, expired, 1L, other, 7L, old, 1L));
            store.add(Map.of(ok, 2L, expired, 4L));

            Map<TlsResultKey, Long> read = new HashMap<>();
            store.results("example.com", DAY).forEach(r -> read.put(r.key(), r.sessions()));
            assertThat(read).containsExactlyInAnyOrderEntriesOf(Map.of(ok, 5L, expired, 5L));
            assertThat(store.policyDomains(DAY)).containsExactly("example.com", "example.org");

            assertThat(store.deleteBefore(DAY.minusDays(1))).isEqualTo(1);
            assertThat(store.results("example.com", DAY.minusDays(3))).isEmpty();
            assertThat(store.delete("example.org", DAY)).isEqualTo(1);
            assertThat(store.policyDomains(DAY)).containsExactly("example.com");
        }
    }
}
