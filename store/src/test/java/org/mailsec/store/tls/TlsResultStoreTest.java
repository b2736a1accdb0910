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
import org.mailsec.testing.TestDatabases;

class TlsResultStoreTest {

    static final LocalDate DAY = LocalDate.of(2026, 11, 21);

    static TlsResultKey key(String policyDomain, LocalDate day, String resultType, String mx) {
        return new TlsResultKey(policyDomain, day, policyDomain, false, false, "sts",
            List.of("version: STSv1", "mode: enforce", "mx: " + mx, "max_age: 86400"), mx, resultType, "192.0.2.1", mx,
            "", "198.51.100.1", resultType.isEmpty() ? "" : "reason-" + resultType);
    }

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
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

    /** The admin API's listing: filters and the page in the SQL, the same rows as filtering everything by hand. */
    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void findFiltersAndPagesInTheQuery(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            TlsResultStore store = new JdbcTlsResultStore(db);
            Map<TlsResultKey, Long> increments = new HashMap<>();
            for (int d = 0; d < 5; d++) {
                for (String result : List.of("", "certificate-expired", "validation-failure")) {
                    increments.put(key("d" + d + ".example", DAY, result, "mx.d" + d + ".example"), (long) d + 1);
                }
            }
            TlsResultKey host = new TlsResultKey("mx.d1.example", DAY, "d1.example", true, false, "tlsa", List.of("3 1 1 ab"),
                "", "", "192.0.2.1", "mx.d1.example", "", "198.51.100.1", "");
            increments.put(host, 9L);
            increments.put(key("d0.example", DAY.minusDays(1), "", "mx.d0.example"), 1L);
            store.add(increments);
            java.util.Optional<String> none = java.util.Optional.empty();

            List<TlsResultCount> day = store.find(new TlsResultStore.Filter(DAY, none, none, java.util.Optional.empty()),
                org.mailsec.store.Page.ALL);
            assertThat(day).hasSize(16).allSatisfy(c -> assertThat(c.key().day()).isEqualTo(DAY));
            assertThat(store.find(new TlsResultStore.Filter(DAY, java.util.Optional.of("d3.example"), none,
                java.util.Optional.empty()), org.mailsec.store.Page.ALL)).hasSize(3);
            assertThat(store.find(new TlsResultStore.Filter(DAY, none, java.util.Optional.of("d1.example"),
                java.util.Optional.of(true)), org.mailsec.store.Page.ALL)).extracting(TlsResultCount::key).containsExactly(host);
            List<TlsResultCount> second = store.find(new TlsResultStore.Filter(DAY, none, none, java.util.Optional.empty()),
                new org.mailsec.store.Page(5, 5));
            assertThat(second).containsExactlyElementsOf(day.subList(5, 10));
        }
    }
}
