package org.mailsec.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailsec.dmarc.DmarcLookup.Discovery;
import org.mailsec.dmarc.DmarcLookup.Result.Status;
import org.mailsec.dmarc.DmarcRecord.Policy;
import org.mailsec.dmarc.DmarcVerifier.AuthResult;
import org.mailsec.dmarc.DmarcVerifier.DkimResult;
import org.mailsec.dmarc.DmarcVerifier.SpfResult;
import org.mailsec.testing.LoopbackDnsServer;

/** DMARC lookup scenarios (shared/testdata/dmarc-records) and verification, against real DNS answers. */
class DmarcLookupAndVerifyTest {

    private static LoopbackDnsServer dns;

    @BeforeAll
    static void start() throws Exception {
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("example", """
            _dmarc.simple TXT "v=DMARC1; p=none;"
            _dmarc.one TXT "v=DMARC1; p=none;"
            _dmarc.one TXT "other"
            _dmarc.multiple TXT "v=DMARC1; p=none;"
            _dmarc.multiple TXT "v=DMARC1; p=reject;"
            _dmarc.malformed TXT "v=DMARC1; p=none; bogus;"
            _dmarc.voided TXT "v=DMARC1; p=maybe"
            _dmarc.temperror TXT "v=DMARC1; p=none;"
            _dmarc.leading TXT " v=DMARC1; p=reject"
            _dmarc.refused TXT "v=DMARC1; p=reject;"
            """);
        dns.addSignedZone("com", """
            _dmarc.example TXT "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s"
            _dmarc.example TXT "v=spf1 -all"
            exists.example A 192.0.2.1
            _dmarc.sampled TXT "v=DMARC1; p=reject; pct=0"
            _dmarc.testing TXT "v=DMARC1; p=quarantine; t=y"
            _dmarc.walk TXT "v=DMARC1; p=quarantine; psd=n"
            _dmarc.twice.example TXT "v=DMARC1; p=none"
            _dmarc.twice.example TXT "v=DMARC1; p=reject"
            """);
        dns.servfail("_dmarc.temperror.example");
        dns.answerWith("_dmarc.refused.example", "TXT", "REFUSED");
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    private static DmarcLookup lookup() {
        return new DmarcLookup(dns.resolver());
    }

    @Test
    void lookupScenarios() {
        assertThat(lookup().lookup("simple.example").status()).isEqualTo(Status.FOUND);
        assertThat(lookup().lookup("one.example").status()).isEqualTo(Status.FOUND);
        assertThat(lookup().lookup("absent.example").status()).isEqualTo(Status.NONE);
        assertThat(lookup().lookup("multiple.example").status()).isEqualTo(Status.NONE);
        // mox's scenario says permerror; RFC 7489 §6.3 discards the stray term and keeps the policy.
        DmarcLookup.Result strayTerm = lookup().lookup("malformed.example");
        assertThat(strayTerm.status()).isEqualTo(Status.FOUND);
        assertThat(strayTerm.record().orElseThrow().warnings()).anySatisfy(w -> assertThat(w).contains("'bogus'"));
        assertThat(lookup().lookup("voided.example").status()).isEqualTo(Status.PERMERROR);
        assertThat(lookup().lookup("temperror.example").status()).isEqualTo(Status.TEMPERROR);
        // REFUSED is no answer about the record (an on-path forgery would otherwise turn p=reject off)
        assertThat(lookup().lookup("refused.example").status()).isEqualTo(Status.TEMPERROR);
        assertThat(lookup().lookup("leading.example").status()).isEqualTo(Status.NONE);
        DmarcLookup.Result fallback = lookup().lookup("sub.example.com");
        assertThat(fallback.status()).isEqualTo(Status.FOUND);
        assertThat(fallback.recordDomain()).isEqualTo("example.com");
    }

    @Test
    void severalRecordsAtTheFromDomainEndDiscoveryWithoutFallback() {
        // example.com has a record, but RFC 7489 §6.6.3 step 5 stops at twice.example.com's two records.
        DmarcLookup.Result r = lookup().lookup("twice.example.com");
        assertThat(r.status()).isEqualTo(Status.NONE);
        assertThat(r.recordDomain()).isEqualTo("twice.example.com");
        assertThat(r.message()).contains("2 DMARC records");
    }

    @Test
    void anAlignedTemporaryFailureIsTemperrorNotFail() {
        DmarcVerifier.Result r = verifier(0).verify("example.com", List.of(new DkimResult("example.com", AuthResult.TEMPERROR)), null);
        assertThat(r.status()).isEqualTo(DmarcVerifier.Status.TEMPERROR);
        assertThat(r.reject()).isFalse();
    }

    @Test
    void treeWalkFindsTheClosestRecordUpTheTree() {
        DmarcLookup walk = new DmarcLookup(dns.resolver(), OrganizationalDomains.guava(), Discovery.TREE_WALK);
        DmarcLookup.Result r = walk.lookup("a.b.c.d.e.f.g.h.i.walk.com");
        assertThat(r.status()).isEqualTo(Status.FOUND);
        assertThat(r.recordDomain()).isEqualTo("walk.com");
        assertThat(r.record().orElseThrow().policy()).isEqualTo(Policy.QUARANTINE);
    }

    private static DmarcVerifier verifier(int random) {
        return new DmarcVerifier(lookup(), OrganizationalDomains.guava(), dns.resolver(), new Random() {
            @Override
            public int nextInt(int bound) {
                return random;
            }
        });
    }

    @Test
    void alignedDkimPassPasses() {
        DmarcVerifier.Result r = verifier(0).verify("example.com", List.of(new DkimResult("example.com", AuthResult.PASS)),
            new SpfResult("other.example", AuthResult.FAIL));
        assertThat(r.status()).isEqualTo(DmarcVerifier.Status.PASS);
        assertThat(r.dkimAligned()).isTrue();
        assertThat(r.reject()).isFalse();
    }

    @Test
    void strictDkimAlignmentRefusesASubdomainSignature() {
        DmarcVerifier.Result r = verifier(0).verify("example.com", List.of(new DkimResult("mail.example.com", AuthResult.PASS)),
            new SpfResult("mail.example.com", AuthResult.PASS));
        // adkim=s refuses mail.example.com; aspf is relaxed so SPF aligns.
        assertThat(r.dkimAligned()).isFalse();
        assertThat(r.spfAligned()).isTrue();
        assertThat(r.status()).isEqualTo(DmarcVerifier.Status.PASS);
    }

    @Test
    void failureAppliesPSpOrNp() {
        DmarcVerifier.Result own = verifier(0).verify("example.com", List.of(), new SpfResult("x.test", AuthResult.PASS));
        assertThat(own.status()).isEqualTo(DmarcVerifier.Status.FAIL);
        assertThat(own.applied()).isEqualTo(Policy.REJECT);
        assertThat(own.reject()).isTrue();

        DmarcVerifier.Result sub = verifier(0).verify("exists.example.com", List.of(), null);
        assertThat(sub.applied()).isEqualTo(Policy.QUARANTINE);
        assertThat(sub.quarantine()).isTrue();

        DmarcVerifier.Result nonExistent = verifier(0).verify("nowhere.example.com", List.of(), null);
        assertThat(nonExistent.applied()).isEqualTo(Policy.REJECT);
    }

    @Test
    void pctAndTestingWeakenThePolicy() {
        DmarcVerifier.Result sampled = verifier(50).verify("sampled.com", List.of(), null);
        assertThat(sampled.disposition()).isEqualTo(Policy.QUARANTINE);
        assertThat(sampled.sampledOut()).isTrue();
        DmarcVerifier.Result testing = verifier(0).verify("testing.com", List.of(), null);
        assertThat(testing.disposition()).isEqualTo(Policy.NONE);
    }

    @Test
    void noRecordAndErrors() {
        assertThat(verifier(0).verify("absent.example", List.of(), null).status()).isEqualTo(DmarcVerifier.Status.NONE);
        assertThat(verifier(0).verify("temperror.example", List.of(), null).status()).isEqualTo(DmarcVerifier.Status.TEMPERROR);
        assertThat(verifier(0).verify("voided.example", List.of(), null).status()).isEqualTo(DmarcVerifier.Status.PERMERROR);
    }
}
