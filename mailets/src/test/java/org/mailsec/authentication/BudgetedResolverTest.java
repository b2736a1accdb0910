package org.mailsec.authentication;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailsec.dmarc.DmarcVerifier;
import org.mailsec.dmarc.OrganizationalDomains;
import org.mailsec.testing.LoopbackDnsServer;

/** A sender's DNS that never answers holds a message's evaluation for one budget, not one timeout per name. */
class BudgetedResolverTest {

    private static LoopbackDnsServer dns;

    @BeforeAll
    static void start() throws Exception {
        StringBuilder includes = new StringBuilder("@ TXT \"v=spf1");
        for (int i = 0; i < 9; i++) {
            includes.append(" include:i").append(i).append(".slow.test");
        }
        includes.append(" -all\"\n");
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("slow.test", "@ SOA ns hostmaster 1 3600 600 86400 300\n" + includes
            + "_dmarc TXT \"v=DMARC1; p=reject\"\n");
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    @Test
    void aSilentSenderDnsCostsOneBudgetAndGivesATemperror() throws Exception {
        // Eight signatures whose keys never come: 700 ms × 2 tries each without a budget, over 11 s in all.
        StringBuilder signatures = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            dns.dropQueries("k" + i + "._domainkey.slow.test");
            signatures.append("DKIM-Signature: v=1; a=rsa-sha256; d=slow.test; s=k").append(i)
                .append("; h=from; bh=AAAA; b=AAAA\r\n");
        }
        dns.dropQueries("i0.slow.test");
        MessageAuthentication authentication = MessageAuthentication.withBudget(dns.resolver(), Duration.ofMillis(1500),
            OrganizationalDomains.guavaWithPrivateSuffixes());
        String message = signatures + "From: <a@slow.test>\r\nSubject: x\r\n\r\nbody\r\n";
        long start = System.nanoTime();
        MessageAuthentication.Verdict verdict = authentication.evaluate(message.getBytes(StandardCharsets.US_ASCII),
            InetAddress.getByName("192.0.2.1"), "mx.slow.test", "b@slow.test");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(millis).as("one budget plus the lookup under way").isLessThan(4_000);
        assertThat(verdict.mailFrom().result()).isEqualTo(SpfVerification.Result.TEMPERROR);
        assertThat(verdict.dkim()).hasSize(8).allSatisfy(d -> assertThat(d.result()).isEqualTo(DkimVerification.Result.TEMPERROR));
        assertThat(verdict.dmarc().status()).isEqualTo(DmarcVerifier.Status.TEMPERROR);
        // The next message gets a budget of its own.
        dns.heal();
        MessageAuthentication.Verdict next = authentication.evaluate(message.getBytes(StandardCharsets.US_ASCII),
            InetAddress.getByName("192.0.2.1"), "mx.slow.test", "b@slow.test");
        assertThat(next.dmarc().status()).isNotEqualTo(DmarcVerifier.Status.TEMPERROR);
    }
}
