package org.mailsec.james;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.mailsec.authentication.DmarcSettings;
import org.mailsec.dns.DomainNames;
import org.mailsec.io.InputLimits;
import org.mailsec.reportreceiver.ReceiverSettings;
import org.mailsec.net.AddressPolicy;

/**
 * {@code conf/mailsec.properties}, typed. Every key has a default that works on a fresh James; a value that
 * does not parse stops startup with an error naming the key.
 */
public record MailsecSettings(Properties raw, List<String> dnsServers, Duration dnsTimeout, int dnsRetries,
                              Optional<Path> trustAnchors, Duration dnsCacheMaxAge,
                              boolean dane, boolean mtaSts, Set<String> daneRequired, int smtpPort,
                              Optional<Path> webPkiRoots, int mtaStsHttpsPort, Duration mtaStsFetchTimeout,
                              Duration mtaStsRefreshInterval, Duration recorderFlushInterval,
                              Reports reports, Duration receivedReportRetention, InputLimits receivedReportLimits,
                              ReceiverSettings receiver, AddressPolicy netAllowed, DmarcSettings dmarc,
                              DmarcReports dmarcReports, org.mailsec.policyhost.PolicyHostingSettings policyHosting,
                              Optional<Path> daneNextKey) {

    /**
     * Our DMARC aggregate reports; their organization, submitter, contact and DKIM key are the TLS reports'.
     *
     * @param from    From of the reports; empty: {@code dmarc-noreply@<submitter>}
     * @param rfc7489 the old XML format (no namespace) instead of RFC 9990's
     */
    public record DmarcReports(boolean enabled, String from, boolean rfc7489) {
    }

    /**
     * The daily TLS reports. Identity values left empty default to James's default domain.
     */
    public record Reports(boolean enabled, String organization, String submitter, String from, String contact,
                          String processor, boolean sendSuccessOnly, String dkimDomain, String dkimSelector,
                          Optional<Path> dkimKey, Duration httpsTimeout, Duration spread, Duration maxPause) {
    }

    /** A setting that cannot be used; the message names the key. */
    public static final class InvalidSettingException extends IllegalArgumentException {
        public InvalidSettingException(String key, String value, String expected) {
            super("mailsec.properties: " + key + "='" + value + "' is not " + expected);
        }
    }

    private static final int MB = 1024 * 1024;

    public static MailsecSettings from(Properties p) {
        return new MailsecSettings(p,
            dnsServers(p),
            duration(p, "mailsec.dns.timeout", Duration.ofSeconds(5), Duration.ofMillis(100)),
            integer(p, "mailsec.dns.retries", 2, 0, 10),
            file(p, "mailsec.dns.trust.anchors"),
            duration(p, "mailsec.dns.cache.max.age", Duration.ofSeconds(60)),
            bool(p, "mailsec.delivery.dane.enabled", true),
            bool(p, "mailsec.delivery.mtasts.enabled", true),
            // Compared with recipient domains as the planner normalises them: a final dot or capitals must not miss.
            Set.copyOf(list(p, "mailsec.delivery.dane.required.domains").stream()
                .map(DomainNames::normalise).collect(Collectors.toSet())),
            integer(p, "mailsec.delivery.smtp.port", 25, 1, 65535),
            file(p, "mailsec.tls.webpki.roots"),
            integer(p, "mailsec.mtasts.https.port", 443, 1, 65535),
            duration(p, "mailsec.mtasts.fetch.timeout", Duration.ofSeconds(10)),
            duration(p, "mailsec.mtasts.refresh.interval", Duration.ofHours(6), Duration.ofSeconds(1)),
            duration(p, "mailsec.recorder.flush.interval", Duration.ofSeconds(1), Duration.ofMillis(1)),
            reports(p),
            duration(p, "mailsec.reports.received.retention", Duration.ofDays(180)),
            InputLimits.DEFAULT
                .withMaxInputBytes(integer(p, "mailsec.reports.received.max.message.bytes", 15 * MB, 64 * 1024, 1024 * MB))
                .withMaxDecompressedBytes(integer(p, "mailsec.reports.received.max.report.bytes", 20 * MB, 64 * 1024, 1024 * MB)),
            receiver(p),
            netAllowed(p),
            dmarc(p),
            dmarcReports(p),
            policyHosting(p),
            file(p, "mailsec.dane.next.key"));
    }

    private static org.mailsec.policyhost.PolicyHostingSettings policyHosting(Properties p) {
        String mode = value(p, "mailsec.mtasts.hosting.mode").isEmpty() ? "testing"
            : value(p, "mailsec.mtasts.hosting.mode").toLowerCase(Locale.ROOT);
        if (!List.of("enforce", "testing", "none").contains(mode)) {
            throw new InvalidSettingException("mailsec.mtasts.hosting.mode", mode, "enforce, testing or none");
        }
        List<String> mx = new java.util.ArrayList<>();
        for (String pattern : list(p, "mailsec.mtasts.hosting.mx")) {
            String host = pattern.startsWith("*.") ? pattern.substring(2) : pattern;
            String checked = DomainNames.hostName(host).orElseThrow(() -> new InvalidSettingException(
                "mailsec.mtasts.hosting.mx", pattern, "MX host names, or *.domain patterns"));
            mx.add(pattern.startsWith("*.") ? "*." + checked : checked);
        }
        Duration maxAge = duration(p, "mailsec.mtasts.hosting.max.age", Duration.ofDays(7), Duration.ofDays(1));
        if (maxAge.getSeconds() > org.mailsec.mtasts.MtaStsPolicy.MAX_AGE_LIMIT) {
            throw new InvalidSettingException("mailsec.mtasts.hosting.max.age", maxAge.toString(),
                "at most " + org.mailsec.mtasts.MtaStsPolicy.MAX_AGE_LIMIT + " seconds (RFC 8461 §3.2)");
        }
        return new org.mailsec.policyhost.PolicyHostingSettings(bool(p, "mailsec.mtasts.hosting.enabled", false),
            org.mailsec.mtasts.MtaStsPolicy.Mode.valueOf(mode.toUpperCase(Locale.ROOT)), mx, maxAge);
    }

    private static DmarcReports dmarcReports(Properties p) {
        String format = value(p, "mailsec.dmarc.reports.format").toLowerCase(Locale.ROOT);
        if (!format.isEmpty() && !format.equals("rfc9990") && !format.equals("rfc7489")) {
            throw new InvalidSettingException("mailsec.dmarc.reports.format", format, "rfc9990 or rfc7489");
        }
        String from = value(p, "mailsec.dmarc.reports.from");
        if (!from.isEmpty() && !from.matches("[^@\\s]+@[^@\\s]+")) {
            throw new InvalidSettingException("mailsec.dmarc.reports.from", from, "an address (local@domain)");
        }
        return new DmarcReports(bool(p, "mailsec.dmarc.reports.enabled", true), from, format.equals("rfc7489"));
    }

    /** Networks besides the public internet that MTA-STS fetches and https rua posts may reach (tests: loopback). */
    private static AddressPolicy netAllowed(Properties p) {
        List<String> cidrs = list(p, "mailsec.net.allowed");
        try {
            return AddressPolicy.allowing(cidrs);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException("mailsec.net.allowed", String.join(",", cidrs), "a list of networks in "
                + "CIDR notation (" + e.getMessage() + ")");
        }
    }

    /** DMARC of received mail (the DmarcHook in smtpserver.xml). */
    private static DmarcSettings dmarc(Properties p) {
        DmarcSettings.Enforcement enforcement = enforcement(p, "mailsec.dmarc.", DmarcSettings.Enforcement.ENFORCE);
        return new DmarcSettings(bool(p, "mailsec.dmarc.enabled", true), enforcement, domainEnforcement(p, enforcement),
            bool(p, "mailsec.dmarc.skip.authenticated", true), value(p, "mailsec.authserv.id"),
            lowerCase(list(p, "mailsec.dmarc.report.addresses")),
            networks(p, "mailsec.dmarc.trusted.forwarders"),
            lowerCase(list(p, "mailsec.dmarc.mailing.lists")),
            list(p, "mailsec.dmarc.allowed.senders").stream().map(DomainNames::normalise).collect(Collectors.toSet()),
            duration(p, "mailsec.dmarc.dns.budget", Duration.ofSeconds(20), Duration.ofMillis(100)));
    }

    private static final String DOMAIN_PREFIX = "mailsec.dmarc.domain.";
    private static final List<String> ENFORCEMENT_KEYS = List.of("mode", "quarantine.as.reject", "temperror");

    /** {@code <prefix>mode}, {@code <prefix>quarantine.as.reject} and {@code <prefix>temperror}, each defaulting to {@code base}'s. */
    private static DmarcSettings.Enforcement enforcement(Properties p, String prefix, DmarcSettings.Enforcement base) {
        String mode = value(p, prefix + "mode").toLowerCase(Locale.ROOT);
        if (!mode.isEmpty() && !mode.equals("enforce") && !mode.equals("monitor")) {
            throw new InvalidSettingException(prefix + "mode", mode, "enforce or monitor");
        }
        String temperror = value(p, prefix + "temperror").toLowerCase(Locale.ROOT);
        if (!temperror.isEmpty() && !temperror.equals("accept") && !temperror.equals("defer")) {
            throw new InvalidSettingException(prefix + "temperror", temperror, "accept or defer");
        }
        return new DmarcSettings.Enforcement(mode.isEmpty() ? base.monitor() : mode.equals("monitor"),
            bool(p, prefix + "quarantine.as.reject", base.quarantineAsReject()),
            temperror.isEmpty() ? base.deferTemperror() : temperror.equals("defer"));
    }

    /**
     * {@code mailsec.dmarc.domain.<James domain>.<mode|quarantine.as.reject|temperror>}: a domain's own enforcement,
     * what it does not set taken from the server-wide keys.
     */
    private static Map<String, DmarcSettings.Enforcement> domainEnforcement(Properties p, DmarcSettings.Enforcement base) {
        Map<String, DmarcSettings.Enforcement> domains = new HashMap<>();
        for (String key : p.stringPropertyNames()) {
            if (!key.startsWith(DOMAIN_PREFIX)) {
                continue;
            }
            String rest = key.substring(DOMAIN_PREFIX.length());
            String setting = ENFORCEMENT_KEYS.stream().filter(k -> rest.endsWith("." + k)).findFirst()
                .orElseThrow(() -> new InvalidSettingException(key, value(p, key), "a key mailsec knows: "
                    + DOMAIN_PREFIX + "<domain>.mode, .quarantine.as.reject or .temperror"));
            String domain = rest.substring(0, rest.length() - setting.length() - 1);
            if (domain.isEmpty()) {
                throw new InvalidSettingException(key, value(p, key), "for a domain: " + DOMAIN_PREFIX + "<domain>." + setting);
            }
            // Compared with recipient domains as DomainNames normalises them (case, final dot).
            domains.computeIfAbsent(DomainNames.normalise(domain),
                d -> enforcement(p, DOMAIN_PREFIX + domain + ".", base));
        }
        return domains;
    }

    private static Set<String> lowerCase(List<String> values) {
        return values.stream().map(v -> v.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    }

    private static org.mailsec.net.Networks networks(Properties p, String key) {
        List<String> cidrs = list(p, key);
        try {
            return org.mailsec.net.Networks.of(cidrs);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(key, String.join(",", cidrs), "a list of networks in CIDR notation ("
                + e.getMessage() + ")");
        }
    }

    private static ReceiverSettings receiver(Properties p) {
        boolean enabled = bool(p, "mailsec.reports.receiver.enabled", false);
        Optional<Path> keystore = file(p, "mailsec.reports.receiver.keystore");
        boolean plaintext = bool(p, "mailsec.reports.receiver.plaintext", false);
        if (enabled && keystore.isEmpty() && !plaintext) {
            throw new InvalidSettingException("mailsec.reports.receiver.enabled", "true", "possible without "
                + "mailsec.reports.receiver.keystore (a PKCS#12 file) or mailsec.reports.receiver.plaintext=true behind a TLS proxy");
        }
        String path = value(p, "mailsec.reports.receiver.path").isEmpty() ? "/tlsrpt" : value(p, "mailsec.reports.receiver.path");
        if (!path.startsWith("/")) {
            throw new InvalidSettingException("mailsec.reports.receiver.path", path, "a path starting with /");
        }
        return new ReceiverSettings(enabled,
            value(p, "mailsec.reports.receiver.bind").isEmpty() ? "0.0.0.0" : value(p, "mailsec.reports.receiver.bind"),
            integer(p, "mailsec.reports.receiver.port", 8443, 0, 65535),
            path, keystore, value(p, "mailsec.reports.receiver.keystore.password"), plaintext,
            integer(p, "mailsec.reports.receiver.max.bytes", 5 * 1024 * 1024, 1024, 15 * 1024 * 1024),
            integer(p, "mailsec.reports.receiver.rate.per.minute", 30, 1, 100_000),
            bool(p, "mailsec.reports.receiver.only.our.domains", true),
            duration(p, "mailsec.reports.receiver.header.timeout", Duration.ofSeconds(10), Duration.ofSeconds(1)),
            integer(p, "mailsec.reports.receiver.connections.per.client", 4, 1, 1000));
    }

    private static Reports reports(Properties p) {
        Optional<Path> key = file(p, "mailsec.reports.dkim.key");
        String dkimDomain = value(p, "mailsec.reports.dkim.domain");
        String selector = value(p, "mailsec.reports.dkim.selector");
        if (key.isPresent() && (dkimDomain.isEmpty() || selector.isEmpty())) {
            throw new InvalidSettingException("mailsec.reports.dkim.key", key.get().toString(),
                "usable without mailsec.reports.dkim.domain and mailsec.reports.dkim.selector");
        }
        return new Reports(bool(p, "mailsec.reports.enabled", true),
            value(p, "mailsec.reports.organization"),
            value(p, "mailsec.reports.submitter"),
            value(p, "mailsec.reports.from"),
            value(p, "mailsec.reports.contact"),
            value(p, "mailsec.reports.processor").isEmpty() ? "transport" : value(p, "mailsec.reports.processor"),
            bool(p, "mailsec.reports.send.success.only.days", false),
            dkimDomain, selector, key,
            duration(p, "mailsec.reports.https.timeout", Duration.ofSeconds(30)),
            duration(p, "mailsec.reports.spread", Duration.ofHours(4)),
            duration(p, "mailsec.reports.max.pause", Duration.ofMinutes(5)));
    }

    private static String value(Properties p, String key) {
        String v = p.getProperty(key);
        return v == null ? "" : v.trim();
    }

    private static List<String> list(Properties p, String key) {
        return Arrays.stream(value(p, key).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** DNS servers as "address" or "address:port" ("[v6]:port"); the port is checked here, where the key is known. */
    private static List<String> dnsServers(Properties p) {
        List<String> servers = list(p, "mailsec.dns.servers");
        for (String server : servers) {
            int colon = server.lastIndexOf(':');
            boolean hasPort = colon > 0 && (server.startsWith("[") ? server.charAt(colon - 1) == ']' : server.indexOf(':') == colon);
            if (!hasPort) {
                continue;
            }
            String port = server.substring(colon + 1);
            if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
                throw new InvalidSettingException("mailsec.dns.servers", String.join(",", servers),
                    "a list of DNS servers as address or address:port with a port from 1 to 65535 ('" + server + "')");
            }
        }
        return servers;
    }

    private static Duration duration(Properties p, String key, Duration fallback) {
        return duration(p, key, fallback, Duration.ZERO);
    }

    /** A duration of at least {@code min}: where zero (or less than a tick) could not work, it is refused here. */
    private static Duration duration(Properties p, String key, Duration fallback, Duration min) {
        String v = value(p, key);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            Duration d = Duration.parse(v.toUpperCase(Locale.ROOT));
            if (d.isNegative()) {
                throw new InvalidSettingException(key, v, "a positive ISO-8601 duration (e.g. PT10S)");
            }
            if (d.compareTo(min) < 0) {
                throw new InvalidSettingException(key, v, "a duration of at least " + min);
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new InvalidSettingException(key, v, "an ISO-8601 duration (e.g. PT10S)");
        }
    }

    private static int integer(Properties p, String key, int fallback, int min, int max) {
        String v = value(p, key);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new InvalidSettingException(key, v, "a number from " + min + " to " + max);
        }
    }

    private static boolean bool(Properties p, String key, boolean fallback) {
        String v = value(p, key).toLowerCase(Locale.ROOT);
        return switch (v) {
            case "" -> fallback;
            case "true", "yes" -> true;
            case "false", "no" -> false;
            default -> throw new InvalidSettingException(key, v, "true or false");
        };
    }

    private static Optional<Path> file(Properties p, String key) {
        String v = value(p, key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        Path path = Path.of(v);
        // A directory would fail later without naming the key; a FIFO or /dev/fd file from a secret store is fine.
        if (Files.isDirectory(path) || !Files.isReadable(path)) {
            throw new InvalidSettingException(key, v, "a readable file");
        }
        return Optional.of(path);
    }
}
