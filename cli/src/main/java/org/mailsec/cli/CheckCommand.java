package org.mailsec.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.X509TrustManager;
import org.mailsec.check.DomainCheck;
import org.mailsec.check.DomainCheckReport;
import org.mailsec.check.StartTlsProbe;
import org.mailsec.dane.SmtpTrustManager;
import org.mailsec.dmarc.OrganizationalDomains;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dns.DnssecResolver;
import org.mailsec.mtasts.MtaStsPolicyFetcher;
import org.mailsec.net.AddressPolicy;
import org.mailsec.tlsrpt.ReportSigningKey;

/**
 * {@code mailsec check DOMAIN}: core's {@link DomainCheck} of a domain (MX and DANE, MTA-STS, TLSRPT, DMARC, SPF, the
 * report DKIM key; with {@code --probe}, STARTTLS on each MX host), printed as one JSON object; exit status 1 when
 * there are errors.
 */
final class CheckCommand {

    private final PrintStream out;
    private final PrintStream err;

    CheckCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(List<String> args) {
        String domain = null;
        DnssecResolver.Builder resolverBuilder = DnssecResolver.builder();
        String dnsServer = "system";
        Duration timeout = Duration.ofSeconds(5);
        Optional<Path> webPkiRoots = Optional.empty();
        Optional<Path> reportKey = Optional.empty();
        String reportSelector = "tlsrpt";
        List<String> allowed = new ArrayList<>();
        int mtaStsPort = 443;
        Optional<Integer> smtpPort = Optional.empty();
        String heloName = "localhost";
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--dns" -> {
                    dnsServer = value(args, ++i, a);
                    resolverBuilder.server(dnsServer);
                }
                case "--trust-anchor" -> {
                    Path file = Path.of(value(args, ++i, a));
                    try {
                        resolverBuilder.trustAnchors(Files.readString(file));
                    } catch (IOException e) {
                        throw new UsageException("cannot read trust anchor file " + file + ": " + e.getMessage());
                    }
                }
                case "--timeout" -> timeout = Duration.ofSeconds(Long.parseLong(value(args, ++i, a)));
                case "--webpki-roots" -> webPkiRoots = Optional.of(Path.of(value(args, ++i, a)));
                case "--allow" -> allowed.add(value(args, ++i, a));
                case "--mta-sts-port" -> mtaStsPort = Integer.parseInt(value(args, ++i, a));
                case "--report-dkim-key" -> reportKey = Optional.of(Path.of(value(args, ++i, a)));
                case "--report-dkim-selector" -> reportSelector = value(args, ++i, a);
                case "--probe" -> smtpPort = Optional.of(25);
                case "--smtp-port" -> smtpPort = Optional.of(Integer.parseInt(value(args, ++i, a)));
                case "--helo" -> heloName = value(args, ++i, a);
                default -> {
                    if (a.startsWith("--") || domain != null) {
                        throw new UsageException("unexpected argument '" + a + "'");
                    }
                    domain = org.mailsec.dns.DomainNames.normalise(a);
                }
            }
        }
        if (domain == null) {
            throw new UsageException("check needs a DOMAIN");
        }
        DnsResolver resolver;
        try {
            resolver = resolverBuilder.timeout(timeout).retries(1).build();
        } catch (RuntimeException e) {
            err.println("mailsec: " + e.getMessage());
            return 1;
        }
        javax.net.ssl.SSLContext webPki;
        X509TrustManager webPkiTrust;
        Optional<java.security.PublicKey> signingKey = Optional.empty();
        try {
            webPkiTrust = webPkiRoots.isPresent() ? pkixFromPem(webPkiRoots.get()) : SmtpTrustManager.defaultPkix();
            webPki = javax.net.ssl.SSLContext.getInstance("TLS");
            webPki.init(null, new javax.net.ssl.TrustManager[] {webPkiTrust}, null);
            if (reportKey.isPresent()) {
                signingKey = Optional.of(ReportSigningKey.publicKey(ReportSigningKey.readPem(Files.readString(reportKey.get()))));
            }
        } catch (IOException | java.security.GeneralSecurityException e) {
            err.println("mailsec: " + e.getMessage());
            return 1;
        }
        AddressPolicy net;
        try {
            net = allowed.isEmpty() ? AddressPolicy.publicOnly() : AddressPolicy.allowing(allowed);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--allow: " + e.getMessage());
        }
        MtaStsPolicyFetcher fetcher = MtaStsPolicyFetcher.builder(resolver).sslContext(webPki).addressPolicy(net)
            .port(mtaStsPort).connectTimeout(timeout).timeout(timeout.multipliedBy(2)).build();
        Duration replyTimeout = timeout;
        String helo = heloName;
        Optional<StartTlsProbe> probe = smtpPort.map(port -> new StartTlsProbe(port, replyTimeout, helo));
        DomainCheck.Settings settings = new DomainCheck.Settings(Duration.ofSeconds(30), smtpPort.orElse(25), probe, net, List.of(),
            Optional.of(new DomainCheck.ReportKey(domain, reportSelector, signingKey)));
        DomainCheckReport report = new DomainCheck(resolver, fetcher, webPkiTrust, OrganizationalDomains.guavaWithPrivateSuffixes(),
            Clock.systemUTC(), settings).check(domain);
        out.println(Json.line(json(report, dnsServer)));
        return report.errors().isEmpty() ? 0 : 1;
    }

    /** The report as one JSON object: its parts, then every part's errors, warnings and records to publish. */
    static ObjectNode json(DomainCheckReport report, String dnsServer) {
        ObjectNode node = Json.object();
        node.put("domain", report.domain());
        node.put("dns", dnsServer);
        node.put("checked", Json.time(report.checked()));
        node.put("status", report.status().name().toLowerCase(Locale.ROOT));
        ArrayNode parts = node.putArray("parts");
        for (DomainCheckReport.Part part : report.parts()) {
            ObjectNode p = parts.addObject();
            p.put("name", part.name());
            p.put("subject", part.subject());
            p.put("status", part.status().name().toLowerCase(Locale.ROOT));
            p.set("found", Json.tree(part.found()));
            p.set("errors", Json.tree(part.errors()));
            p.set("warnings", Json.tree(part.warnings()));
            p.set("instructions", Json.tree(part.instructions()));
        }
        node.set("errors", Json.tree(report.errors()));
        node.set("warnings", Json.tree(report.warnings()));
        node.set("publish", Json.tree(report.instructions()));
        return node;
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new UsageException(option + " needs a value");
        }
        return args.get(i);
    }

    /** The WebPKI roots of a PEM bundle, as the server's {@code mailsec.tls.webpki.roots}. */
    private static X509TrustManager pkixFromPem(Path pem) throws IOException, java.security.GeneralSecurityException {
        try {
            return SmtpTrustManager.pkixFromPem(pem);
        } catch (IllegalArgumentException e) {
            throw new java.security.GeneralSecurityException(pem + ": " + e.getMessage(), e);
        }
    }
}
