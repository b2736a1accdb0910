package org.mailsec.james;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.mailsec.authentication.DmarcSettings;
import org.junit.jupiter.api.Test;

class MailsecSettingsTest {

    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    @Test
    void everyKeyHasADefault() {
        MailsecSettings s = MailsecSettings.from(new Properties());
        assertThat(s.dnsServers()).isEmpty();
        assertThat(s.smtpPort()).isEqualTo(25);
        assertThat(s.mtaStsHttpsPort()).isEqualTo(443);
        assertThat(s.dane()).isTrue();
        assertThat(s.mtaSts()).isTrue();
        assertThat(s.dnsCacheMaxAge()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.mtaStsRefreshInterval()).isEqualTo(Duration.ofHours(6));
        assertThat(s.webPkiRoots()).isEmpty();
        assertThat(s.receiver().enabled()).isFalse();
        assertThat(s.receiver().path()).isEqualTo("/tlsrpt");
        assertThat(s.receiver().onlyOurDomains()).isTrue();
        assertThat(s.receivedReportLimits().maxInputBytes()).isEqualTo(15 * 1024 * 1024);
        assertThat(s.receivedReportLimits().maxDecompressedBytes()).isEqualTo(20 * 1024 * 1024);
    }

    @Test
    void theReportReceiverNeedsAKeyUnlessItRunsBehindATlsProxy() {
        assertThatThrownBy(() -> MailsecSettings.from(props("mailsec.reports.receiver.enabled", "true")))
            .hasMessageContaining("mailsec.reports.receiver.enabled='true' is not possible without mailsec.reports.receiver.keystore");
        MailsecSettings s = MailsecSettings.from(props("mailsec.reports.receiver.enabled", "true",
            "mailsec.reports.receiver.plaintext", "true", "mailsec.reports.receiver.port", "0"));
        assertThat(s.receiver().plaintext()).isTrue();
        assertThat(s.receiver().port()).isZero();
    }

    @Test
    void listsAndDurationsParse() {
        MailsecSettings s = MailsecSettings.from(props("mailsec.dns.servers", "127.0.0.1:5353, 9.9.9.9",
            "mailsec.delivery.dane.required.domains", "Bank.Example, gov.example", "mailsec.dns.timeout", "pt2s"));
        assertThat(s.dnsServers()).containsExactly("127.0.0.1:5353", "9.9.9.9");
        assertThat(s.daneRequired()).containsExactlyInAnyOrder("bank.example", "gov.example");
        assertThat(s.dnsTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aBadValueNamesItsKey() {
        assertThatThrownBy(() -> MailsecSettings.from(props("mailsec.delivery.smtp.port", "seventy")))
            .hasMessageContaining("mailsec.delivery.smtp.port").hasMessageContaining("seventy");
        assertThatThrownBy(() -> MailsecSettings.from(props("mailsec.mtasts.fetch.timeout", "10 seconds")))
            .hasMessageContaining("mailsec.mtasts.fetch.timeout");
        assertThatThrownBy(() -> MailsecSettings.from(props("mailsec.delivery.dane.enabled", "maybe")))
            .hasMessageContaining("mailsec.delivery.dane.enabled");
        assertThatThrownBy(() -> MailsecSettings.from(props("mailsec.tls.webpki.roots", "/no/such/roots.pem")))
            .hasMessageContaining("mailsec.tls.webpki.roots");
    }

    @Test
    void dmarcOfReceivedMailDefaultsToEnforceAndNamesAWrongKey() throws Exception {
        MailsecSettings defaults = MailsecSettings.from(new Properties());
        assertThat(defaults.dmarc().enabled()).isTrue();
        assertThat(defaults.dmarc().enforcement()).isEqualTo(DmarcSettings.Enforcement.ENFORCE);
        assertThat(defaults.dmarc().skipAuthenticated()).isTrue();
        MailsecSettings set = MailsecSettings.from(props("mailsec.dmarc.mode", "Monitor", "mailsec.dmarc.temperror", "defer",
            "mailsec.dmarc.trusted.forwarders", "192.0.2.0/24, 2001:db8::1", "mailsec.dmarc.mailing.lists", "Announce.Lists.Example",
            "mailsec.authserv.id", "mx.example.com"));
        assertThat(set.dmarc().enforcement()).isEqualTo(new DmarcSettings.Enforcement(true, false, true));
        assertThat(set.dmarc().trustedForwarders().contains(java.net.InetAddress.getByName("192.0.2.77"))).isTrue();
        assertThat(set.dmarc().trustedForwarders().contains(java.net.InetAddress.getByName("198.51.100.1"))).isFalse();
        assertThat(set.dmarc().mailingLists()).containsExactly("announce.lists.example");
        assertThat(set.dmarc().authservId()).isEqualTo("mx.example.com");
        assertThat(defaults.dmarc().dnsBudget()).isEqualTo(java.time.Duration.ofSeconds(20));
        assertThatThrownBy(() -> MailsecSettings.from(props("mailsec.dmarc.dns.budget", "PT0S")))
            .hasMessageContaining("mailsec.dmarc.dns.budget='PT0S' is not a duration of at least PT0.1S");
        assertThatThrownBy(() -> MailsecSettings.from(props("mailsec.dmarc.mode", "strict")))
            .hasMessageContaining("mailsec.dmarc.mode='strict' is not enforce or monitor");
        assertThatThrownBy(() -> MailsecSettings.from(props("mailsec.dmarc.temperror", "reject")))
            .hasMessageContaining("mailsec.dmarc.temperror");
        assertThatThrownBy(() -> MailsecSettings.from(props("mailsec.dmarc.trusted.forwarders", "forwarder.example")))
            .hasMessageContaining("mailsec.dmarc.trusted.forwarders");
    }

    @Test
    void eachJamesDomainCanHaveItsOwnEnforcementTakingTheRestFromTheServerWideKeys() throws Exception {
        MailsecSettings set = MailsecSettings.from(props("mailsec.dmarc.temperror", "defer",
            "mailsec.dmarc.domain.Example.COM..mode", "monitor",
            "mailsec.dmarc.domain.strict.example.quarantine.as.reject", "true",
            "mailsec.dmarc.domain.strict.example.temperror", "accept"));
        DmarcSettings dmarc = set.dmarc();
        assertThat(dmarc.domainEnforcement()).containsOnlyKeys("example.com", "strict.example");
        assertThat(dmarc.domainEnforcement().get("example.com")).isEqualTo(new DmarcSettings.Enforcement(true, false, true));
        assertThat(dmarc.domainEnforcement().get("strict.example")).isEqualTo(new DmarcSettings.Enforcement(false, true, false));
        assertThat(dmarc.enforcementFor(List.of("other.example"))).isEqualTo(new DmarcSettings.Enforcement(false, false, true));
        // One reply at the end of DATA for all recipients: the least of their domains' enforcement.
        assertThat(dmarc.enforcementFor(List.of("strict.example", "example.com")))
            .isEqualTo(new DmarcSettings.Enforcement(true, false, false));
        assertThat(dmarc.enforcementFor(List.of("strict.example")).quarantineAsReject()).isTrue();
        assertThat(dmarc.enforcementFor(List.of("strict.example", "other.example")).quarantineAsReject()).isFalse();

        assertThatThrownBy(() -> MailsecSettings.from(props("mailsec.dmarc.domain.example.com.mode", "off")))
            .hasMessageContaining("mailsec.dmarc.domain.example.com.mode='off' is not enforce or monitor");
        assertThatThrownBy(() -> MailsecSettings.from(props("mailsec.dmarc.domain.example.com.quarantine", "true")))
            .hasMessageContaining("mailsec.dmarc.domain.example.com.quarantine='true' is not a key mailsec knows");
        assertThatThrownBy(() -> MailsecSettings.from(props("mailsec.dmarc.domain..mode", "monitor")))
            .hasMessageContaining("for a domain");
    }

    @Test
    void dmarcReportsDefaultToRfc9990FromTheSubmitterAndNameAWrongKey() throws Exception {
        MailsecSettings defaults = MailsecSettings.from(new Properties());
        assertThat(defaults.dmarcReports()).isEqualTo(new MailsecSettings.DmarcReports(true, "", false));
        MailsecSettings set = MailsecSettings.from(props("mailsec.dmarc.reports.enabled", "false",
            "mailsec.dmarc.reports.from", "dmarc@example.com", "mailsec.dmarc.reports.format", "RFC7489"));
        assertThat(set.dmarcReports()).isEqualTo(new MailsecSettings.DmarcReports(false, "dmarc@example.com", true));
        assertThatThrownBy(() -> MailsecSettings.from(props("mailsec.dmarc.reports.format", "xml")))
            .hasMessageContaining("mailsec.dmarc.reports.format='xml' is not rfc9990 or rfc7489");
        assertThatThrownBy(() -> MailsecSettings.from(props("mailsec.dmarc.reports.from", "nobody")))
            .hasMessageContaining("mailsec.dmarc.reports.from='nobody' is not an address");
    }
}
