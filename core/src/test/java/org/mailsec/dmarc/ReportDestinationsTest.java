package org.mailsec.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.mailsec.testing.LoopbackDnsServer;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReportDestinationsTest {

    private LoopbackDnsServer dns;
    private ReportDestinations destinations;

    @BeforeAll
    void zones() throws Exception {
        dns = LoopbackDnsServer.start();
        String soa = "@ SOA ns hostmaster 1 3600 600 86400 300\n";
        // A report processor that takes some domains' reports, and redirects one of them.
        dns.addSignedZone("processor.example", soa
            + "sender.example._report._dmarc TXT \"v=DMARC1\"\n"
            + "renamed.example._report._dmarc TXT \"v=DMARC1; rua=mailto:renamed@processor.example\"\n"
            + "elsewhere.example._report._dmarc TXT \"v=DMARC1; rua=mailto:x@third.example\"\n"
            + "notdmarc.example._report._dmarc TXT \"p=none; v=DMARC1\"\n"
            + "twice.example._report._dmarc TXT \"v=DMARC1\"\n"
            + "twice.example._report._dmarc TXT \"v=DMARC1; rua=mailto:x@third.example\"\n"
            + "split.example._report._dmarc TXT \"v=DMARC1; rua=mailto:a@processor.example,mailto:b@processor.example\"\n"
            + "xn--bcher-kva.example._report._dmarc TXT \"v=DMARC1\"\n");
        dns.addSignedZone("xn--bcher-kva.example", soa + "x TXT \"x\"\n");
        dns.addSignedZone("flaky.example", soa + "x TXT \"x\"\n");
        destinations = new ReportDestinations(dns.resolver(), OrganizationalDomains.guavaWithPrivateSuffixes());
    }

    @AfterAll
    void stop() {
        dns.close();
    }

    private static DmarcRecord.ReportUri rua(String uri) {
        return DmarcRecord.reportUris("rua", uri).get(0);
    }

    @Test
    void theDomainOwnersOwnAddressesNeedNoAuthorization() {
        assertThat(destinations.decide("sender.example", rua("mailto:dmarc@reports.sender.example!10m")))
            .isEqualTo(new ReportDestinations.Decision.Use(rua("mailto:dmarc@reports.sender.example!10m"), false));
        assertThat(destinations.decide("mail.sender.example", rua("mailto:dmarc@sender.example")))
            .isInstanceOf(ReportDestinations.Decision.Use.class);
    }

    @Test
    void anExternalAddressIsUsedOnlyWhenItsHostAuthorizesTheExactPolicyDomain() {
        assertThat(destinations.decide("sender.example", rua("mailto:reports@processor.example")))
            .isEqualTo(new ReportDestinations.Decision.Use(rua("mailto:reports@processor.example"), true));
        assertThat(destinations.decide("sub.sender.example", rua("mailto:reports@processor.example")))
            .as("the authorization names sender.example, not its subdomain").isInstanceOf(ReportDestinations.Decision.Refuse.class);
        assertThat(destinations.decide("stranger.example", rua("mailto:reports@processor.example")))
            .isInstanceOf(ReportDestinations.Decision.Refuse.class);
        assertThat(destinations.decide("notdmarc.example", rua("mailto:reports@processor.example")))
            .as("v=DMARC1 must come first").isInstanceOf(ReportDestinations.Decision.Refuse.class);
    }

    @Test
    void aReplacementOnTheSameHostIsUsedAndOneOnAnotherHostMeansNeither() {
        assertThat(destinations.decide("renamed.example", rua("mailto:reports@processor.example")))
            .isEqualTo(new ReportDestinations.Decision.Use(rua("mailto:renamed@processor.example"), true));
        assertThat(destinations.decide("elsewhere.example", rua("mailto:reports@processor.example")))
            .isInstanceOf(ReportDestinations.Decision.Refuse.class);
    }

    @Test
    void everyAuthorizingRecordCountsAndEveryReplacementOnTheHostIsUsed() {
        assertThat(destinations.decide("twice.example", rua("mailto:reports@processor.example")))
            .as("one of two records redirects elsewhere").isInstanceOf(ReportDestinations.Decision.Refuse.class);
        assertThat(destinations.decide("split.example", rua("mailto:reports@processor.example")))
            .isEqualTo(new ReportDestinations.Decision.Use(List.of(rua("mailto:a@processor.example"),
                rua("mailto:b@processor.example")), true));
    }

    @Test
    void internationalizedNamesAreComparedAndAskedForAsALabels() {
        assertThat(destinations.decide("xn--bcher-kva.example", rua("mailto:dmarc@b\u00fccher.example")))
            .as("the owner's own address in U-labels").isInstanceOf(ReportDestinations.Decision.Use.class)
            .satisfies(d -> assertThat(((ReportDestinations.Decision.Use) d).external()).isFalse());
        assertThat(destinations.decide("b\u00fccher.example", rua("mailto:reports@processor.example")))
            .as("authorized under the A-label").isInstanceOf(ReportDestinations.Decision.Use.class);
    }

    @Test
    void aDnsFailureIsDecidedLaterAndOnlyMailtoIsSentTo() {
        dns.servfail("sender.example._report._dmarc.flaky.example");
        try {
            assertThat(destinations.decide("sender.example", rua("mailto:reports@flaky.example")))
                .isInstanceOf(ReportDestinations.Decision.Later.class);
        } finally {
            dns.heal();
        }
        assertThat(destinations.decide("sender.example", List.of(rua("https://sender.example/dmarc"))).get(0))
            .isInstanceOf(ReportDestinations.Decision.Refuse.class);
    }
}
