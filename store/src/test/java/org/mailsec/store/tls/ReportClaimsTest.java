package org.mailsec.store.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.testing.TestDatabases;

class ReportClaimsTest {

    private static final LocalDate DAY = LocalDate.of(2026, 11, 21);

    @ParameterizedTest
    @MethodSource("org.mailsec.testing.TestDatabases#both")
    void aCrashedNodesClaimExpiresAndASentReportIsNeverClaimedAgain(StoreConfig.Dialect dialect) {
        try (Database db = Database.open(TestDatabases.fresh(dialect))) {
            ReportClaims claims = new JdbcReportClaims(db);
            Instant t0 = Instant.parse("2026-11-22T00:05:00Z");
            assertThat(claims.claim("example.com", DAY, "a", t0.plusSeconds(600), t0)).isTrue();
            assertThat(claims.claim("example.com", DAY, "b", t0.plusSeconds(600), t0.plusSeconds(60))).isFalse();
            assertThat(claims.claim("example.com", DAY, "a", t0.plusSeconds(900), t0.plusSeconds(60))).isTrue();
            // a crashed: its claim runs out, b takes over, a can no longer mark it sent
            Instant later = t0.plusSeconds(1000);
            assertThat(claims.claim("example.com", DAY, "b", later.plusSeconds(600), later)).isTrue();
            assertThat(claims.markSent("example.com", DAY, "a", later)).isFalse();
            assertThat(claims.sent("example.com", DAY)).isFalse();
            assertThat(claims.markSent("example.com", DAY, "b", later.plusSeconds(5))).isTrue();
            assertThat(claims.sent("example.com", DAY)).isTrue();
            Instant muchLater = later.plusSeconds(86_400);
            assertThat(claims.claim("example.com", DAY, "a", muchLater.plusSeconds(600), muchLater)).isFalse();
            assertThat(claims.claim("example.com", DAY, "b", muchLater.plusSeconds(600), muchLater)).isFalse();

            claims.recordDelivery("example.com", DAY, true, false, "mailto:tlsrpt@example.com");
            ReportClaims.SendState state = claims.state("example.com", DAY).orElseThrow();
            assertThat(state.claimedBy()).isEqualTo("b");
            assertThat(state.sentAt()).isEqualTo(later.plusSeconds(5));
            assertThat(state.sentToRecipientDomain()).isTrue();
            assertThat(state.sentToPolicyDomain()).isFalse();
            assertThat(state.recipientDomainRua()).isEqualTo("mailto:tlsrpt@example.com");
            assertThat(claims.state("other.example", DAY)).isEmpty();
        }
    }
}
