package org.mailsec.dns;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.testing.LoopbackDnsServer.Denial;

/**
 * Zones as operators sign them: NSEC3 (0 iterations, no salt; one parent with opt-out) and NSEC, children
 * delegated by DS from a signed parent under one trust anchor, an insecure delegation, expired and not yet valid
 * signatures. What mailsec's resolver must make of each.
 */
class DnssecChainTest {

    private static final String TLSA = "TLSA 3 1 1 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6";
    private static LoopbackDnsServer dns;
    private static DnsResolver resolver;

    @BeforeAll
    static void start() throws Exception {
        dns = LoopbackDnsServer.start();
        // Opt-out parent: the insecure delegation is not in its NSEC3 chain.
        dns.addSignedZone("optout.test", "@ A 127.0.0.1\n", Denial.NSEC3_OPT_OUT);
        dns.addSignedChildZone("optout.test", "n3.optout.test", """
            @ MX 10 mx
            mx A 127.0.0.2
            _25._tcp.mx %s
            deep.a.b TXT "below two empty non-terminals"
            """.formatted(TLSA), Denial.NSEC3);
        dns.addSignedChildZone("optout.test", "nsec.optout.test", "@ MX 10 mx\nmx A 127.0.0.2\n_25._tcp.mx " + TLSA + "\n",
            Denial.NSEC);
        dns.addInsecureChildZone("optout.test", "plain.optout.test", "@ MX 10 mx\nmx A 127.0.0.3\n_25._tcp.mx " + TLSA + "\n");
        // A parent whose NSEC3 chain holds the insecure delegation (no opt-out).
        dns.addSignedZone("chain.test", "@ A 127.0.0.1\n", Denial.NSEC3);
        dns.addInsecureChildZone("chain.test", "plain.chain.test", "@ MX 10 mx\nmx A 127.0.0.3\n_25._tcp.mx " + TLSA + "\n");
        dns.addSignedChildZone("chain.test", "n3.chain.test", "@ MX 10 mx\nmx A 127.0.0.2\n", Denial.NSEC3);
        resolver = dns.resolver();
    }

    @AfterEach
    void heal() {
        dns.heal();
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    @Test
    void oneTrustAnchorPerTreeTheChildrenByDs() {
        assertThat(dns.trustAnchorText().lines().map(l -> l.split("\\s+")[0]))
            .containsExactlyInAnyOrder("optout.test.", "chain.test.");
    }

    @Test
    void answersBelowADsChainAreSecure() throws Exception {
        for (String zone : new String[] {"n3.optout.test", "nsec.optout.test"}) {
            DnsAnswer<TlsaRecord> tlsa = resolver.tlsa("_25._tcp.mx." + zone);
            assertThat(tlsa.status()).as(zone).isEqualTo(DnssecStatus.SECURE);
            assertThat(tlsa.records()).as(zone).hasSize(1);
            assertThat(resolver.mx(zone).status()).as(zone).isEqualTo(DnssecStatus.SECURE);
        }
        assertThat(resolver.mx("n3.chain.test").status()).isEqualTo(DnssecStatus.SECURE);
        assertThat(resolver.txt("deep.a.b.n3.optout.test").status()).isEqualTo(DnssecStatus.SECURE);
    }

    @Test
    void nsec3ProvesNxdomainAndNodataSecurely() throws Exception {
        DnsAnswer<TlsaRecord> none = resolver.tlsa("_25._tcp.nowhere.n3.optout.test");
        assertThat(none.nxdomain()).isTrue();
        assertThat(none.status()).isEqualTo(DnssecStatus.SECURE);
        DnsAnswer<java.net.InetAddress> noAaaa = resolver.aaaa("mx.n3.optout.test");
        assertThat(noAaaa.isEmpty()).isTrue();
        assertThat(noAaaa.nxdomain()).isFalse();
        assertThat(noAaaa.status()).isEqualTo(DnssecStatus.SECURE);
        // An empty non-terminal exists: NODATA, not NXDOMAIN.
        DnsAnswer<String> ent = resolver.txt("a.b.n3.optout.test");
        assertThat(ent.nxdomain()).isFalse();
        assertThat(ent.status()).isEqualTo(DnssecStatus.SECURE);
        assertThat(resolver.txt("_mta-sts.n3.chain.test").status()).isEqualTo(DnssecStatus.SECURE);
    }

    @Test
    void anInsecureDelegationMakesItsRecordsInsecureEvenATlsaRecord() throws Exception {
        for (String zone : new String[] {"plain.optout.test", "plain.chain.test"}) {
            DnsAnswer<TlsaRecord> tlsa = resolver.tlsa("_25._tcp.mx." + zone);
            assertThat(tlsa.records()).as(zone).hasSize(1);
            assertThat(tlsa.status()).as(zone + ": proven unsigned, so the TLSA record is not to be used")
                .isEqualTo(DnssecStatus.INSECURE);
        }
    }

    @Test
    void expiredAndNotYetValidSignaturesAreBogus() throws Exception {
        dns.expireSignature("_25._tcp.mx.n3.optout.test", "TLSA");
        assertThat(resolver.tlsa("_25._tcp.mx.n3.optout.test").status()).isEqualTo(DnssecStatus.BOGUS);
        dns.heal();
        dns.postdateSignature("_25._tcp.mx.nsec.optout.test", "TLSA");
        assertThat(resolver.tlsa("_25._tcp.mx.nsec.optout.test").status()).isEqualTo(DnssecStatus.BOGUS);
        dns.heal();
        assertThat(resolver.tlsa("_25._tcp.mx.nsec.optout.test").status()).isEqualTo(DnssecStatus.SECURE);
    }

    @Test
    void aBrokenDsChainIsBogusNotInsecure() throws Exception {
        dns.breakSignature("n3.optout.test", "DS");
        // A fresh resolver: the shared one holds the child's validated key in its key cache.
        assertThat(dns.resolver().mx("n3.optout.test").status()).isEqualTo(DnssecStatus.BOGUS);
    }
}
