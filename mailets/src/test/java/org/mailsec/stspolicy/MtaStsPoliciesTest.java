package org.mailsec.stspolicy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.mtasts.MtaStsLookup;
import org.mailsec.mtasts.MtaStsPolicy;
import org.mailsec.mtasts.MtaStsPolicyFetcher;
import org.mailsec.mtasts.PolicyFetch;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.policy.JdbcPolicyCache;
import org.mailsec.store.policy.PolicyCache;
import org.mailsec.testing.MovableClock;
import org.mailsec.testing.TestPki;
import org.mailsec.testing.PolicyHttpsServer;
import org.mailsec.tlsrpt.ResultType;

/**
 * The policy cache's life (RFC 8461 §5, §10.2) against a real DNS server, a real HTTPS policy server and a
 * real H2 store, with a clock the test moves. {@code mta-sts.ok.test} is in the test zone, and
 * loopback is allowed for the fetch.
 */
class MtaStsPoliciesTest {

    private static final String DOMAIN = "ok.test";


    private LoopbackDnsServer dns;
    private PolicyHttpsServer https;
    private Database database;
    private PolicyCache cache;
    private final MovableClock clock = new MovableClock(Instant.parse("2026-11-22T10:00:00Z"));
    private TestPki.Identity root;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        root = TestPki.rootCa("policy test root");
        https = new PolicyHttpsServer(root.issueServer("mta-sts.ok.test").serverContext());
        dns = LoopbackDnsServer.start();
        // A signed zone gives the resolver a trust anchor; ok.test itself is unsigned (insecure).
        dns.addSignedZone("signed.test", "@ A 127.0.0.1\n");
        zone("1");
        policy("enforce", 86400);
        database = Database.open(StoreConfig.embedded(dir));
        cache = new JdbcPolicyCache(database);
    }

    @AfterEach
    void stop() {
        database.close();
        https.close();
        dns.close();
    }

    private void zone(String id) throws Exception {
        dns.addZone(DOMAIN, """
            @ MX 10 mx
            mx A 127.0.0.2
            mta-sts A 127.0.0.1
            _mta-sts TXT "v=STSv1; id=%s"
            """.formatted(id));
    }

    private void policy(String mode, int maxAge) {
        https.answer(DOMAIN, PolicyHttpsServer.Answer.policy(
            "version: STSv1\nmode: " + mode + "\nmx: mx.ok.test\nmax_age: " + maxAge + "\n"));
    }

    private MtaStsPolicies policies() {
        MtaStsPolicyFetcher fetcher = MtaStsPolicyFetcher.builder(dns.resolver())
            .addressPolicy(org.mailsec.net.AddressPolicy.allowing(java.util.List.of("127.0.0.0/8")))
            .sslContext(TestPki.trusting(root.certificate())).port(https.port()).timeout(Duration.ofSeconds(5)).build();
        return new MtaStsPolicies(new MtaStsLookup(dns.resolver(), fetcher), fetcher, cache, clock, new MtaStsPolicies.Listener() { });
    }

    @Test
    void aPolicyIsFetchedOnceThenServedFromTheCache() {
        MtaStsPolicies policies = policies();
        StsDecision first = policies.decide(DOMAIN);
        assertThat(first.enforce()).isTrue();
        assertThat(first.fromCache()).isFalse();
        StsDecision second = policies.decide(DOMAIN);
        assertThat(second.enforce()).isTrue();
        assertThat(second.fromCache()).isTrue();
        assertThat(https.requests(DOMAIN)).isEqualTo(1);
        assertThat(cache.get(DOMAIN)).get().satisfies(p -> {
            assertThat(p.recordId()).isEqualTo("1");
            assertThat(p.validEnd()).isEqualTo(clock.instant().plus(Duration.ofDays(1)));
        });
    }

    @Test
    void anotherNodeUsesTheStoredPolicyWithoutFetching() {
        policies().decide(DOMAIN);
        StsDecision otherNode = policies().decide(DOMAIN);
        assertThat(otherNode.enforce()).isTrue();
        assertThat(otherNode.fromCache()).isTrue();
        assertThat(https.requests(DOMAIN)).isEqualTo(1);
    }

    @Test
    void aNewRecordIdMakesItFetchAgain() throws Exception {
        MtaStsPolicies policies = policies();
        policies.decide(DOMAIN);
        zone("2");
        policy("testing", 3600);
        StsDecision decision = policies.decide(DOMAIN);
        assertThat(decision.policy()).get().extracting(MtaStsPolicy::mode).isEqualTo(MtaStsPolicy.Mode.TESTING);
        assertThat(https.requests(DOMAIN)).isEqualTo(2);
        assertThat(cache.get(DOMAIN)).get().extracting(p -> p.recordId()).isEqualTo("2");
    }

    @Test
    void theCachedPolicyOutlivesADnsOutageUntilItExpires() {
        MtaStsPolicies policies = policies();
        policies.decide(DOMAIN);
        dns.servfail("_mta-sts." + DOMAIN);
        clock.advance(Duration.ofHours(23));
        assertThat(policies.decide(DOMAIN).enforce()).isTrue();
        clock.advance(Duration.ofHours(2));
        StsDecision expired = policies.decide(DOMAIN);
        assertThat(expired.policy()).isEmpty();
        assertThat(expired.unknown()).as("the record may still name a policy").isPresent();
    }

    @Test
    void aDnsFaultOnTheRecordWithNothingCachedLeavesThePolicyUnknownNotAbsent() {
        for (Runnable fault : new Runnable[] {
            () -> dns.servfail("_mta-sts." + DOMAIN), () -> dns.dropQueries("_mta-sts." + DOMAIN)}) {
            dns.heal();
            fault.run();
            StsDecision decision = policies().decide(DOMAIN);
            assertThat(decision.policy()).isEmpty();
            assertThat(decision.unknown()).get().asString().contains("_mta-sts." + DOMAIN);
            assertThat(https.requests(DOMAIN)).isZero();
        }
        dns.heal();
        assertThat(policies().decide(DOMAIN).enforce()).isTrue();
    }

    @Test
    void aDomainWithoutRecordHasNoPolicyAndNothingUnknown() throws Exception {
        dns.addZone(DOMAIN, "@ MX 10 mx\nmx A 127.0.0.2\n");
        StsDecision decision = policies().decide(DOMAIN);
        assertThat(decision.policy()).isEmpty();
        assertThat(decision.unknown()).isEmpty();
        assertThat(decision.fetchFailure()).isEmpty();
    }

    @Test
    void aDomainWithoutRecordIsDeliveredToWhileTheCacheCannotBeRead() throws Exception {
        dns.addZone(DOMAIN, "@ MX 10 mx\nmx A 127.0.0.2\n");
        database.close();
        StsDecision decision = policies().decide(DOMAIN);
        assertThat(decision.policy()).isEmpty();
        assertThat(decision.unknown()).as("a store outage must not hold all mail").isEmpty();
    }

    @Test
    void anUnreadableCacheAndAFailedFetchLeaveThePolicyUnknown() {
        policies().decide(DOMAIN);
        https.answer(DOMAIN, PolicyHttpsServer.Answer.status(500));
        database.close();
        StsDecision otherNode = policies().decide(DOMAIN);
        assertThat(otherNode.policy()).isEmpty();
        assertThat(otherNode.unknown()).get().asString().contains("cache");
        policy("enforce", 86400);
        assertThat(policies().decide(DOMAIN).enforce()).as("a fresh policy needs no cache").isTrue();
    }

    @Test
    void aFailedRefetchKeepsTheCachedPolicyAndBacksOffFiveMinutes() throws Exception {
        MtaStsPolicies policies = policies();
        policies.decide(DOMAIN);
        zone("2");
        https.answer(DOMAIN, PolicyHttpsServer.Answer.status(500));
        assertThat(policies.decide(DOMAIN).enforce()).isTrue();
        assertThat(https.requests(DOMAIN)).isEqualTo(2);
        clock.advance(Duration.ofMinutes(4));
        assertThat(policies.decide(DOMAIN).enforce()).isTrue();
        assertThat(https.requests(DOMAIN)).as("within the backoff").isEqualTo(2);
        clock.advance(Duration.ofMinutes(2));
        policy("testing", 600);
        assertThat(policies.decide(DOMAIN).policy()).get().extracting(MtaStsPolicy::mode).isEqualTo(MtaStsPolicy.Mode.TESTING);
        assertThat(https.requests(DOMAIN)).isEqualTo(3);
    }

    @Test
    void aFailedFirstFetchIsReportedAndNotRetriedWithinTheBackoff() {
        https.answer(DOMAIN, PolicyHttpsServer.Answer.status(503));
        MtaStsPolicies policies = policies();
        StsDecision decision = policies.decide(DOMAIN);
        assertThat(decision.policy()).isEmpty();
        assertThat(decision.fetchFailure()).get().satisfies(f -> {
            assertThat(f.outcome()).isEqualTo(PolicyFetch.Outcome.FETCH_ERROR);
            assertThat(f.resultType()).contains(ResultType.STS_POLICY_FETCH_ERROR);
        });
        policies.decide(DOMAIN);
        assertThat(https.requests(DOMAIN)).isEqualTo(1);
    }

    @Test
    void modeNoneRemovesTheEnforcedPolicy() throws Exception {
        MtaStsPolicies policies = policies();
        policies.decide(DOMAIN);
        zone("3");
        policy("none", 86400);
        StsDecision decision = policies.decide(DOMAIN);
        assertThat(decision.policy()).isEmpty();
        assertThat(decision.fetchFailure()).isEmpty();
        assertThat(cache.get(DOMAIN)).get().extracting(p -> p.mode()).isEqualTo(MtaStsPolicy.Mode.NONE.value());
    }

    @Test
    void proactiveRefreshFetchesPoliciesPastHalfTheirAge() {
        MtaStsPolicies policies = policies();
        policies.decide(DOMAIN);
        assertThat(policies.refreshAll()).isZero();
        clock.advance(Duration.ofHours(13));
        assertThat(policies.refreshAll()).isEqualTo(1);
        assertThat(cache.get(DOMAIN)).get().extracting(p -> p.validEnd())
            .isEqualTo(clock.instant().plus(Duration.ofDays(1)));
    }

    @Test
    void anExpiredPolicyInMemoryGivesWayToTheOneAnotherNodeRenewed() {
        MtaStsPolicies thisNode = policies();
        thisNode.decide(DOMAIN);
        clock.advance(Duration.ofHours(13));
        assertThat(policies().refreshAll()).as("another node renews it").isEqualTo(1);
        clock.advance(Duration.ofHours(12));
        dns.servfail("_mta-sts." + DOMAIN);
        StsDecision decision = thisNode.decide(DOMAIN);
        assertThat(decision.enforce()).as("the renewed policy is still valid for 12 hours").isTrue();
        assertThat(decision.unknown()).isEmpty();
    }

    @Test
    void aNewRecordIdAlreadyFetchedByAnotherNodeIsNotFetchedAgain() throws Exception {
        MtaStsPolicies thisNode = policies();
        thisNode.decide(DOMAIN);
        zone("2");
        policy("testing", 3600);
        assertThat(policies().decide(DOMAIN).policy()).get().extracting(MtaStsPolicy::mode).isEqualTo(MtaStsPolicy.Mode.TESTING);
        assertThat(thisNode.decide(DOMAIN).policy()).get().extracting(MtaStsPolicy::mode).isEqualTo(MtaStsPolicy.Mode.TESTING);
        assertThat(https.requests(DOMAIN)).isEqualTo(2);
    }

    @Test
    void aStoredPolicyThatNoLongerParsesIsUnreadableNotAbsent() {
        Instant now = clock.instant();
        cache.put(new org.mailsec.store.policy.CachedPolicy(DOMAIN, now, now.plus(Duration.ofDays(1)), now, now, false,
            "1", "enforce", "version: STSv1\nmode: enforce\n"));
        https.answer(DOMAIN, PolicyHttpsServer.Answer.status(500));
        StsDecision decision = policies().decide(DOMAIN);
        assertThat(decision.policy()).isEmpty();
        assertThat(decision.unknown()).as("an enforced policy may be cached: the delivery waits").isPresent();
        clock.advance(Duration.ofDays(1).plusMinutes(10));
        assertThat(policies().decide(DOMAIN).unknown()).as("past its max_age it no longer counts").isEmpty();
    }
}
