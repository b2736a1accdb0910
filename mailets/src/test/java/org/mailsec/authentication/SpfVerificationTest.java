package org.mailsec.authentication;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailsec.authentication.SpfVerification.Check;
import org.mailsec.authentication.SpfVerification.Identity;
import org.mailsec.authentication.SpfVerification.Result;
import org.mailsec.testing.LoopbackDnsServer;

/** SPF with jSPF over mailsec's resolver, against records served by the loopback DNS server. */
class SpfVerificationTest {

    private static LoopbackDnsServer dns;
    private static InetAddress ours;
    private static InetAddress stranger;

    @BeforeAll
    static void publish() throws Exception {
        ours = InetAddress.getByName("192.0.2.25");
        stranger = InetAddress.getByName("198.51.100.7");
        StringBuilder chain = new StringBuilder();
        for (int i = 0; i < 11; i++) {
            chain.append("c").append(i).append(" TXT \"v=spf1 include:c").append(i + 1).append(".spf.test -all\"\n");
        }
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("spf.test", "@ SOA ns hostmaster 1 3600 600 86400 300\n"
            + "strict TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
            + "soft TXT \"v=spf1 ip4:192.0.2.25 ~all\"\n"
            + "viamx TXT \"v=spf1 mx -all\"\n"
            + "viamx MX 10 mail.spf.test.\n"
            + "mail A 192.0.2.25\n"
            + "twice TXT \"v=spf1 -all\"\n"
            + "twice TXT \"v=spf1 +all\"\n"
            + "voids TXT \"v=spf1 a:n1.spf.test a:n2.spf.test a:n3.spf.test ip4:192.0.2.25 -all\"\n"
            + "twovoids TXT \"v=spf1 a:n1.spf.test a:n2.spf.test ip4:192.0.2.25 -all\"\n"
            + "includesnothing TXT \"v=spf1 include:nothing.spf.test -all\"\n"
            + "broken TXT \"v=spf1 ip4:192.0.2.0/99 -all\"\n"
            + "manymx TXT \"v=spf1 mx -all\"\n"
            + "manymx MX 0 mx0.spf.test.\n"
            + "manymx MX 1 mx1.spf.test.\n"
            + "manymx MX 2 mx2.spf.test.\n"
            + "manymx MX 3 mx3.spf.test.\n"
            + "manymx MX 4 mx4.spf.test.\n"
            + "manymx MX 5 mx5.spf.test.\n"
            + "manymx MX 6 mx6.spf.test.\n"
            + "manymx MX 7 mx7.spf.test.\n"
            + "manymx MX 8 mx8.spf.test.\n"
            + "manymx MX 9 mx9.spf.test.\n"
            + "manymx MX 10 mx10.spf.test.\n"
            + "mx.helo A 192.0.2.25\n"
            + "mx.helo TXT \"v=spf1 a -all\"\n"
            + chain);
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    @BeforeEach
    void heal() {
        dns.heal();
    }

    private static Check mailFrom(InetAddress client, String address) {
        return new SpfVerification(dns.resolver()).mailFrom(client, address, "mx.helo.spf.test");
    }

    @Test
    void theResultsOfRfc7208() {
        assertThat(mailFrom(ours, "a@strict.spf.test").result()).isEqualTo(Result.PASS);
        assertThat(mailFrom(stranger, "a@strict.spf.test").result()).isEqualTo(Result.FAIL);
        assertThat(mailFrom(stranger, "a@soft.spf.test").result()).isEqualTo(Result.SOFTFAIL);
        assertThat(mailFrom(ours, "a@viamx.spf.test").result()).isEqualTo(Result.PASS);
        assertThat(mailFrom(ours, "a@norecord.spf.test").result()).isEqualTo(Result.NONE);
    }

    @Test
    void theIdentityAndDomainCheckedAreSaid() {
        Check check = mailFrom(ours, "Someone@Strict.SPF.test");
        assertThat(check.identity()).isEqualTo(Identity.MAILFROM);
        assertThat(check.domain()).isEqualToIgnoringCase("strict.spf.test");
        Check bounce = mailFrom(ours, "");
        assertThat(bounce.domain()).as("an empty reverse path is checked as postmaster@HELO").isEqualTo("mx.helo.spf.test");
        assertThat(bounce.result()).isEqualTo(Result.PASS);
        Check helo = new SpfVerification(dns.resolver()).helo(stranger, "mx.helo.spf.test");
        assertThat(helo.identity()).isEqualTo(Identity.HELO);
        assertThat(helo.result()).isEqualTo(Result.FAIL);
    }

    @Test
    void brokenRecordsArePermanentErrors() {
        assertThat(mailFrom(ours, "a@twice.spf.test").result()).as("two records").isEqualTo(Result.PERMERROR);
        assertThat(mailFrom(ours, "a@broken.spf.test").result()).isEqualTo(Result.PERMERROR);
        assertThat(mailFrom(ours, "a@includesnothing.spf.test").result()).as("include of a domain without SPF")
            .isEqualTo(Result.PERMERROR);
    }

    @Test
    void theLookupLimitsOfRfc7208Section464() {
        assertThat(mailFrom(ours, "a@c0.spf.test").result()).as("eleven includes").isEqualTo(Result.PERMERROR);
        Check voids = mailFrom(ours, "a@voids.spf.test");
        assertThat(voids.result()).as("three void lookups").isEqualTo(Result.PERMERROR);
        assertThat(voids.explanation()).contains("void lookups");
        assertThat(mailFrom(ours, "a@twovoids.spf.test").result()).as("two are allowed").isEqualTo(Result.PASS);
        assertThat(mailFrom(ours, "a@manymx.spf.test").result()).as("eleven MX names").isEqualTo(Result.PERMERROR);
    }

    @Test
    void aDnsFailureIsATemporaryErrorNeverNone() {
        dns.servfail("strict.spf.test", "TXT");
        assertThat(mailFrom(ours, "a@strict.spf.test").result()).isEqualTo(Result.TEMPERROR);
        dns.servfail("mail.spf.test", "A");
        assertThat(mailFrom(ours, "a@viamx.spf.test").result()).isEqualTo(Result.TEMPERROR);
    }

    @Test
    void anAddressLiteralOrNothingHasNoDomainToCheck() {
        assertThat(new SpfVerification(dns.resolver()).helo(ours, "[192.0.2.25]").result()).isEqualTo(Result.NONE);
        assertThat(new SpfVerification(dns.resolver()).helo(ours, "").result()).isEqualTo(Result.NONE);
    }
}
