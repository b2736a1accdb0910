package org.mailsec.james;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mailsec.dns.DomainNames;

/** Every key of mailsec.properties: its default, the values it takes, and what an operator reads when one is wrong. */
class MailsecSettingsEveryKeyTest {

    private static final int MB = 1024 * 1024;

    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    private static MailsecSettings settings(String... keyValues) {
        return MailsecSettings.from(props(keyValues));
    }

    private static String error(String... keyValues) {
        try {
            settings(keyValues);
        } catch (MailsecSettings.InvalidSettingException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + String.join(" ", keyValues));
    }

    static Stream<Arguments> durations() {
        return Stream.of(
            duration("mailsec.dns.timeout", MailsecSettings::dnsTimeout, Duration.ofSeconds(5)),
            duration("mailsec.dns.cache.max.age", MailsecSettings::dnsCacheMaxAge, Duration.ofSeconds(60)),
            duration("mailsec.mtasts.fetch.timeout", MailsecSettings::mtaStsFetchTimeout, Duration.ofSeconds(10)),
            duration("mailsec.mtasts.refresh.interval", MailsecSettings::mtaStsRefreshInterval, Duration.ofHours(6)),
            duration("mailsec.recorder.flush.interval", MailsecSettings::recorderFlushInterval, Duration.ofSeconds(1)),
            duration("mailsec.reports.received.retention", MailsecSettings::receivedReportRetention, Duration.ofDays(180)),
            duration("mailsec.reports.receiver.header.timeout", s -> s.receiver().headerTimeout(), Duration.ofSeconds(10)),
            duration("mailsec.reports.https.timeout", s -> s.reports().httpsTimeout(), Duration.ofSeconds(30)),
            duration("mailsec.reports.spread", s -> s.reports().spread(), Duration.ofHours(4)),
            duration("mailsec.reports.max.pause", s -> s.reports().maxPause(), Duration.ofMinutes(5)));
    }

    private static Arguments duration(String key, Function<MailsecSettings, Duration> read, Duration fallback) {
        return Arguments.of(key, read, fallback);
    }

    static Stream<Arguments> numbers() {
        return Stream.of(
            number("mailsec.dns.retries", MailsecSettings::dnsRetries, 2, 0, 10),
            number("mailsec.delivery.smtp.port", MailsecSettings::smtpPort, 25, 1, 65535),
            number("mailsec.mtasts.https.port", MailsecSettings::mtaStsHttpsPort, 443, 1, 65535),
            number("mailsec.reports.received.max.message.bytes", s -> s.receivedReportLimits().maxInputBytes(),
                15 * MB, 64 * 1024, 1024 * MB),
            number("mailsec.reports.received.max.report.bytes", s -> s.receivedReportLimits().maxDecompressedBytes(),
                20 * MB, 64 * 1024, 1024 * MB),
            number("mailsec.reports.receiver.port", s -> s.receiver().port(), 8443, 0, 65535),
            number("mailsec.reports.receiver.max.bytes", s -> s.receiver().maxBytes(), 5 * MB, 1024, 15 * MB),
            number("mailsec.reports.receiver.rate.per.minute", s -> s.receiver().ratePerMinute(), 30, 1, 100_000),
            number("mailsec.reports.receiver.connections.per.client", s -> s.receiver().connectionsPerClient(), 4, 1, 1000));
    }

    private static Arguments number(String key, Function<MailsecSettings, Number> read, long fallback, long min, long max) {
        return Arguments.of(key, read, fallback, min, max);
    }

    static Stream<Arguments> switches() {
        return Stream.of(
            flag("mailsec.delivery.dane.enabled", MailsecSettings::dane, true),
            flag("mailsec.delivery.mtasts.enabled", MailsecSettings::mtaSts, true),
            flag("mailsec.reports.enabled", s -> s.reports().enabled(), true),
            flag("mailsec.reports.send.success.only.days", s -> s.reports().sendSuccessOnly(), false),
            flag("mailsec.reports.receiver.plaintext", s -> s.receiver().plaintext(), false),
            flag("mailsec.reports.receiver.only.our.domains", s -> s.receiver().onlyOurDomains(), true),
            flag("mailsec.mtasts.hosting.enabled", s -> s.policyHosting().enabled(), false));
    }

    private static Arguments flag(String key, Function<MailsecSettings, Boolean> read, boolean fallback) {
        return Arguments.of(key, read, fallback);
    }

    static Stream<Arguments> files() {
        return Stream.of(
            Arguments.of("mailsec.dns.trust.anchors", (Function<MailsecSettings, Optional<Path>>) MailsecSettings::trustAnchors),
            Arguments.of("mailsec.tls.webpki.roots", (Function<MailsecSettings, Optional<Path>>) MailsecSettings::webPkiRoots),
            Arguments.of("mailsec.reports.receiver.keystore",
                (Function<MailsecSettings, Optional<Path>>) s -> s.receiver().keystore()));
    }

    // --- durations

    @ParameterizedTest(name = "{0}")
    @MethodSource("durations")
    void aDurationDefaultsAndTakesIso8601InAnyCaseWithSpaces(String key, Function<MailsecSettings, Duration> read,
                                                              Duration fallback) {
        assertThat(read.apply(settings())).isEqualTo(fallback);
        assertThat(read.apply(settings(key, ""))).isEqualTo(fallback);
        assertThat(read.apply(settings(key, "   "))).isEqualTo(fallback);
        assertThat(read.apply(settings(key, "PT90S"))).isEqualTo(Duration.ofSeconds(90));
        assertThat(read.apply(settings(key, "  pt1m30s "))).isEqualTo(Duration.ofSeconds(90));
        assertThat(read.apply(settings(key, "P2D"))).isEqualTo(Duration.ofDays(2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("durations")
    void aNegativeDurationIsRefusedNamingTheKey(String key) {
        assertThat(error(key, "-PT5S")).isEqualTo("mailsec.properties: " + key
            + "='-PT5S' is not a positive ISO-8601 duration (e.g. PT10S)");
        assertThat(error(key, "pt-1h")).contains(key + "='pt-1h'").contains("positive");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("durations")
    void aDurationThatIsNotIso8601IsRefusedNamingTheKey(String key) {
        for (String wrong : new String[] {"10", "10s", "10 seconds", "PT", "PT1,5,S", "1h30m"}) {
            assertThat(error(key, wrong)).isEqualTo("mailsec.properties: " + key + "='" + wrong
                + "' is not an ISO-8601 duration (e.g. PT10S)");
        }
    }

    // --- numbers

    @ParameterizedTest(name = "{0}")
    @MethodSource("numbers")
    void aNumberDefaultsAndTakesEveryValueInItsRange(String key, Function<MailsecSettings, Number> read,
                                                     long fallback, long min, long max) {
        assertThat(read.apply(settings()).longValue()).isEqualTo(fallback);
        assertThat(read.apply(settings(key, " ")).longValue()).isEqualTo(fallback);
        assertThat(read.apply(settings(key, String.valueOf(min))).longValue()).isEqualTo(min);
        assertThat(read.apply(settings(key, String.valueOf(max))).longValue()).isEqualTo(max);
        assertThat(read.apply(settings(key, " " + max + "\t")).longValue()).isEqualTo(max);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("numbers")
    void aNumberOutsideItsRangeOrNotANumberIsRefusedNamingTheKeyAndTheRange(String key,
            Function<MailsecSettings, Number> read, long fallback, long min, long max) {
        String expected = "' is not a number from " + min + " to " + max;
        for (String wrong : new String[] {String.valueOf(min - 1), String.valueOf(max + 1), "-1", "seventy", "1.5", "1e3",
                "0x19", "25 ports", "99999999999", "100_000"}) {
            assertThat(error(key, wrong)).isEqualTo("mailsec.properties: " + key + "='" + wrong + expected);
        }
    }

    @Test
    void portsAreFrom1To65535ExceptTheReceiversWhichMayBe0ForAnyFreePort() {
        assertThat(error("mailsec.delivery.smtp.port", "0")).contains("mailsec.delivery.smtp.port='0'");
        assertThat(error("mailsec.mtasts.https.port", "65536")).contains("mailsec.mtasts.https.port='65536'");
        assertThat(settings("mailsec.reports.receiver.port", "0").receiver().port()).isZero();
        assertThat(error("mailsec.reports.receiver.port", "-1")).contains("mailsec.reports.receiver.port='-1'");
        assertThat(settings("mailsec.delivery.smtp.port", "2525").smtpPort()).isEqualTo(2525);
    }

    // --- switches

    @ParameterizedTest(name = "{0}")
    @MethodSource("switches")
    void aSwitchDefaultsAndTakesTrueFalseYesNoInAnyCase(String key, Function<MailsecSettings, Boolean> read,
                                                        boolean fallback) {
        assertThat(read.apply(settings())).isEqualTo(fallback);
        assertThat(read.apply(settings(key, ""))).isEqualTo(fallback);
        for (String yes : new String[] {"true", "TRUE", " True ", "yes", "YES"}) {
            assertThat(read.apply(settings(key, yes))).as(yes).isTrue();
        }
        for (String no : new String[] {"false", "FALSE", " False\t", "no", "No"}) {
            assertThat(read.apply(settings(key, no))).as(no).isFalse();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mailsec.delivery.dane.enabled", "mailsec.delivery.mtasts.enabled", "mailsec.reports.enabled",
        "mailsec.reports.send.success.only.days", "mailsec.reports.receiver.enabled", "mailsec.reports.receiver.plaintext",
        "mailsec.reports.receiver.only.our.domains"})
    void anotherWordForASwitchIsRefusedNamingTheKey(String key) {
        for (String wrong : new String[] {"1", "0", "on", "off", "y", "maybe", "enabled", "true false"}) {
            assertThat(error(key, wrong)).isEqualTo("mailsec.properties: " + key + "='" + wrong + "' is not true or false");
        }
    }

    // --- files

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void aFileIsEmptyByDefaultAndTakesAReadableFile(String key, Function<MailsecSettings, Optional<Path>> read,
                                                    @TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("some.file"), "x");
        assertThat(read.apply(settings())).isEmpty();
        assertThat(read.apply(settings(key, "  "))).isEmpty();
        assertThat(read.apply(settings(key, " " + file + " "))).contains(file);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mailsec.dns.trust.anchors", "mailsec.tls.webpki.roots", "mailsec.reports.receiver.keystore",
        "mailsec.reports.dkim.key"})
    void aMissingFileIsRefusedNamingTheKey(String key, @TempDir Path dir) {
        Path missing = dir.resolve("missing.pem");
        assertThat(error(key, missing.toString(), "mailsec.reports.dkim.domain", "example.com",
            "mailsec.reports.dkim.selector", "s1")).isEqualTo("mailsec.properties: " + key + "='" + missing
            + "' is not a readable file");
    }

    @Test
    void aDirectoryIsNotTakenForTheTrustAnchorsFile(@TempDir Path dir) {
        assertThat(error("mailsec.dns.trust.anchors", dir.toString())).contains("mailsec.dns.trust.anchors");
    }

    // --- lists

    @Test
    void listsAreEmptyByDefaultAndIgnoreBlankEntries() {
        MailsecSettings none = settings("mailsec.dns.servers", " , ,, ", "mailsec.delivery.dane.required.domains", ",",
            "mailsec.net.allowed", "   ");
        assertThat(none.dnsServers()).isEmpty();
        assertThat(none.daneRequired()).isEmpty();
        assertThat(settings().dnsServers()).isEmpty();
        assertThat(settings().daneRequired()).isEmpty();
        MailsecSettings some = settings("mailsec.dns.servers", ",9.9.9.9 ,, [::1]:5353,",
            "mailsec.delivery.dane.required.domains", " BANK.example ,bank.EXAMPLE, gov.example ");
        assertThat(some.dnsServers()).containsExactly("9.9.9.9", "[::1]:5353");
        assertThat(some.daneRequired()).containsExactlyInAnyOrder("bank.example", "gov.example");
    }

    @Test
    void aDaneRequiredDomainWrittenWithItsFinalDotIsStillRequired() {
        MailsecSettings s = settings("mailsec.delivery.dane.required.domains", "Bank.Example.");
        assertThat(s.daneRequired()).containsExactly(DomainNames.normalise("bank.example"));
    }

    @Test
    void aDnsServerWithABadPortIsRefusedNamingTheKey() {
        assertThat(error("mailsec.dns.servers", "9.9.9.9:fifty-three")).contains("mailsec.dns.servers");
        assertThat(error("mailsec.dns.servers", "9.9.9.9:99999")).contains("mailsec.dns.servers");
    }

    @Test
    void allowedNetworksTakeAddressesAndCidrBlocksOfBothFamilies() throws Exception {
        MailsecSettings s = settings("mailsec.net.allowed", " 127.0.0.0/8 , ::1, 10.1.2.3 ,fd00::/8");
        assertThat(s.netAllowed().refusal(java.net.InetAddress.getByName("127.0.0.1"))).isEmpty();
        assertThat(s.netAllowed().refusal(java.net.InetAddress.getByName("10.1.2.3"))).isEmpty();
        assertThat(s.netAllowed().refusal(java.net.InetAddress.getByName("fd12::1"))).isEmpty();
        assertThat(s.netAllowed().refusal(java.net.InetAddress.getByName("10.1.2.4"))).isPresent();
        assertThat(settings().netAllowed().refusal(java.net.InetAddress.getByName("127.0.0.1"))).isPresent();
    }

    @Test
    void aNetworkThatIsNotCidrIsRefusedNamingTheKeyAndTheEntry() {
        assertThat(error("mailsec.net.allowed", "127.0.0.0/8, 10.0.0.0/33")).isEqualTo("mailsec.properties: "
            + "mailsec.net.allowed='127.0.0.0/8,10.0.0.0/33' is not a list of networks in CIDR notation "
            + "('10.0.0.0/33' has a prefix length outside 0-32)");
        assertThat(error("mailsec.net.allowed", "localhost")).startsWith("mailsec.properties: mailsec.net.allowed='localhost'")
            .contains("'localhost' is not an address or a network in CIDR notation");
        assertThat(error("mailsec.net.allowed", "10.0.0.0/eight")).contains("mailsec.net.allowed")
            .contains("no valid prefix length");
        assertThat(error("mailsec.net.allowed", "::1/129")).contains("mailsec.net.allowed").contains("outside 0-128");
    }

    // --- the daily reports

    @Test
    void reportIdentitiesAreEmptyByDefaultSoJamesDefaultDomainIsUsed() {
        MailsecSettings.Reports r = settings().reports();
        assertThat(r.enabled()).isTrue();
        assertThat(r.organization()).isEmpty();
        assertThat(r.submitter()).isEmpty();
        assertThat(r.from()).isEmpty();
        assertThat(r.contact()).isEmpty();
        assertThat(r.processor()).isEqualTo("transport");
        assertThat(r.dkimDomain()).isEmpty();
        assertThat(r.dkimSelector()).isEmpty();
        assertThat(r.dkimKey()).isEmpty();
    }

    @Test
    void reportIdentitiesAreTakenTrimmed() {
        MailsecSettings.Reports r = settings("mailsec.reports.organization", " Example Org ",
            "mailsec.reports.submitter", "example.com ", "mailsec.reports.from", " tlsrpt@example.com",
            "mailsec.reports.contact", "postmaster@example.com", "mailsec.reports.processor", " relay ").reports();
        assertThat(r.organization()).isEqualTo("Example Org");
        assertThat(r.submitter()).isEqualTo("example.com");
        assertThat(r.from()).isEqualTo("tlsrpt@example.com");
        assertThat(r.contact()).isEqualTo("postmaster@example.com");
        assertThat(r.processor()).isEqualTo("relay");
    }

    @Test
    void aDkimKeyNeedsItsDomainAndSelector(@TempDir Path dir) throws IOException {
        Path key = Files.writeString(dir.resolve("dkim.pem"), "-----BEGIN PRIVATE KEY-----\n");
        String expected = "mailsec.properties: mailsec.reports.dkim.key='" + key + "' is not usable without "
            + "mailsec.reports.dkim.domain and mailsec.reports.dkim.selector";
        assertThat(error("mailsec.reports.dkim.key", key.toString())).isEqualTo(expected);
        assertThat(error("mailsec.reports.dkim.key", key.toString(), "mailsec.reports.dkim.domain", "example.com"))
            .isEqualTo(expected);
        assertThat(error("mailsec.reports.dkim.key", key.toString(), "mailsec.reports.dkim.selector", " "))
            .isEqualTo(expected);
        MailsecSettings.Reports r = settings("mailsec.reports.dkim.key", key.toString(),
            "mailsec.reports.dkim.domain", " example.com ", "mailsec.reports.dkim.selector", "s2026 ").reports();
        assertThat(r.dkimKey()).contains(key);
        assertThat(r.dkimDomain()).isEqualTo("example.com");
        assertThat(r.dkimSelector()).isEqualTo("s2026");
    }

    // --- the HTTPS report receiver

    @Test
    void theReceiverIsOffByDefaultOnEveryAddressAtPort8443UnderTlsrpt() {
        var r = settings().receiver();
        assertThat(r.enabled()).isFalse();
        assertThat(r.bind()).isEqualTo("0.0.0.0");
        assertThat(r.port()).isEqualTo(8443);
        assertThat(r.path()).isEqualTo("/tlsrpt");
        assertThat(r.keystore()).isEmpty();
        assertThat(r.keystorePassword()).isEmpty();
        assertThat(r.plaintext()).isFalse();
    }

    @Test
    void theReceiverTakesItsAddressPathAndKeystore(@TempDir Path dir) throws IOException {
        Path keystore = Files.writeString(dir.resolve("receiver.p12"), "x");
        var r = settings("mailsec.reports.receiver.enabled", "true", "mailsec.reports.receiver.keystore", keystore.toString(),
            "mailsec.reports.receiver.keystore.password", "changeit", "mailsec.reports.receiver.bind", " 127.0.0.1 ",
            "mailsec.reports.receiver.path", " /.well-known/tlsrpt ").receiver();
        assertThat(r.enabled()).isTrue();
        assertThat(r.keystore()).contains(keystore);
        assertThat(r.keystorePassword()).isEqualTo("changeit");
        assertThat(r.bind()).isEqualTo("127.0.0.1");
        assertThat(r.path()).isEqualTo("/.well-known/tlsrpt");
    }

    @Test
    void anEnabledReceiverNeedsAKeystoreOrPlaintext() {
        assertThat(error("mailsec.reports.receiver.enabled", "yes")).isEqualTo("mailsec.properties: "
            + "mailsec.reports.receiver.enabled='true' is not possible without mailsec.reports.receiver.keystore "
            + "(a PKCS#12 file) or mailsec.reports.receiver.plaintext=true behind a TLS proxy");
        assertThat(error("mailsec.reports.receiver.enabled", "true", "mailsec.reports.receiver.plaintext", "false"))
            .contains("mailsec.reports.receiver.enabled");
        assertThat(settings("mailsec.reports.receiver.enabled", "true", "mailsec.reports.receiver.plaintext", "yes")
            .receiver().enabled()).isTrue();
        // Off, the receiver needs nothing.
        assertThat(settings("mailsec.reports.receiver.enabled", "false").receiver().enabled()).isFalse();
    }

    @Test
    void theReceiverPathMustStartWithASlash() {
        assertThat(error("mailsec.reports.receiver.path", "tlsrpt")).isEqualTo("mailsec.properties: "
            + "mailsec.reports.receiver.path='tlsrpt' is not a path starting with /");
        assertThat(error("mailsec.reports.receiver.path", "https://example.com/tlsrpt"))
            .contains("mailsec.reports.receiver.path");
        assertThat(settings("mailsec.reports.receiver.path", "/").receiver().path()).isEqualTo("/");
    }

    // --- the rest

    @Test
    void theRawPropertiesAreKeptForTheStoreSettings() {
        Properties p = props("mailsec.store.url", "jdbc:postgresql://db/mailsec", "mailsec.store.pool.size", "4");
        assertThat(MailsecSettings.from(p).raw()).isSameAs(p);
    }

    @Test
    void unknownKeysAreIgnored() {
        assertThat(settings("mailsec.dns.timout", "PT1S", "something.else", "x").dnsTimeout())
            .isEqualTo(Duration.ofSeconds(5));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mailsec.mtasts.refresh.interval", "mailsec.recorder.flush.interval",
        "mailsec.reports.receiver.header.timeout", "mailsec.dns.timeout"})
    void aZeroDurationIsRefusedWhereNothingCouldWorkWithIt(String key) {
        assertThat(error(key, "PT0S")).contains(key + "='PT0S'");
        assertThat(error(key, "PT0.0001S")).contains(key);
    }

    @Test
    void hostedPoliciesAreTestingWithEachDomainsMxByDefault() {
        MailsecSettings defaults = settings();
        assertThat(defaults.policyHosting().mode()).isEqualTo(org.mailsec.mtasts.MtaStsPolicy.Mode.TESTING);
        assertThat(defaults.policyHosting().mx()).isEmpty();
        assertThat(defaults.policyHosting().maxAge()).isEqualTo(Duration.ofDays(7));
        assertThat(settings("mailsec.mtasts.hosting.max.age", "p30d").policyHosting().maxAge()).isEqualTo(Duration.ofDays(30));
        MailsecSettings set = settings("mailsec.mtasts.hosting.mode", " Enforce ", "mailsec.mtasts.hosting.mx",
            "MX1.Example.com., *.mx.example.com");
        assertThat(set.policyHosting().mode()).isEqualTo(org.mailsec.mtasts.MtaStsPolicy.Mode.ENFORCE);
        assertThat(set.policyHosting().mx()).containsExactly("mx1.example.com", "*.mx.example.com");
    }

    @Test
    void aHostedPolicyWithAnUnknownModeABadMxOrAMaxAgeOutsideRfc8461IsRefused() {
        assertThat(error("mailsec.mtasts.hosting.mode", "strict")).contains("mailsec.mtasts.hosting.mode='strict'");
        assertThat(error("mailsec.mtasts.hosting.mx", "mx..example.com")).contains("mailsec.mtasts.hosting.mx");
        assertThat(error("mailsec.mtasts.hosting.max.age", "P400D")).contains("mailsec.mtasts.hosting.max.age");
        assertThat(error("mailsec.mtasts.hosting.max.age", "PT1H")).contains("mailsec.mtasts.hosting.max.age");
    }
}
