package org.mailsec.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.mailsec.dane.TlsaMatcher;
import org.mailsec.dane.SmtpTrustManager;
import org.mailsec.dmarc.DmarcLookup;
import org.mailsec.tlsrpt.ReportSigningKey;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dns.DnssecResolver;
import org.mailsec.dns.DnssecStatus;
import org.mailsec.dns.MxRecord;
import org.mailsec.dns.TlsaRecord;
import org.mailsec.record.RecordException;
import org.mailsec.mtasts.MtaStsLookup;
import org.mailsec.mtasts.MtaStsPolicy;
import org.mailsec.mtasts.MtaStsPolicyFetcher;
import org.mailsec.mtasts.PolicyFetch;
import org.mailsec.tlsrpt.TlsRptLookup;
import org.mailsec.record.RecordException;

/**
 * {@code mailsec check DOMAIN}: what a sending MTA sees of a domain's transport security (MX and DANE,
 * MTA-STS, TLSRPT, DMARC), with errors, warnings and the records the operator should publish.
 * Prints one JSON object; exit status 1 when there are errors.
 */
final class CheckCommand {

    private final PrintStream out;
    private final PrintStream err;
    private final List<String> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final List<String> publish = new ArrayList<>();

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
        Optional<java.security.PublicKey> signingKey = Optional.empty();
        try {
            webPki = webPkiRoots.isPresent() ? webPkiContext(webPkiRoots.get()) : javax.net.ssl.SSLContext.getDefault();
            if (reportKey.isPresent()) {
                signingKey = Optional.of(ReportSigningKey.publicKey(ReportSigningKey.readPem(Files.readString(reportKey.get()))));
            }
        } catch (IOException | java.security.GeneralSecurityException e) {
            err.println("mailsec: " + e.getMessage());
            return 1;
        }
        ObjectNode report = Json.object();
        report.put("domain", domain);
        report.put("dns", dnsServer);
        List<String> mxHosts = checkMx(resolver, domain, report.putArray("mx"));
        org.mailsec.net.AddressPolicy net;
        try {
            net = allowed.isEmpty() ? org.mailsec.net.AddressPolicy.publicOnly() : org.mailsec.net.AddressPolicy.allowing(allowed);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--allow: " + e.getMessage());
        }
        MtaStsPolicyFetcher fetcher = MtaStsPolicyFetcher.builder(resolver).sslContext(webPki).addressPolicy(net)
            .port(mtaStsPort).connectTimeout(timeout).timeout(timeout.multipliedBy(2)).build();
        checkMtaSts(resolver, domain, mxHosts, report.putObject("mtaSts"), fetcher);
        checkTlsRpt(resolver, domain, report.putObject("tlsrpt"));
        checkReportKey(resolver, reportSelector + "._domainkey." + domain, signingKey, report.putObject("reportDkimKey"));
        checkDmarc(resolver, domain, report.putObject("dmarc"));
        ArrayNode e = report.putArray("errors");
        errors.forEach(e::add);
        ArrayNode w = report.putArray("warnings");
        warnings.forEach(w::add);
        ArrayNode p = report.putArray("publish");
        publish.forEach(p::add);
        out.println(Json.line(report));
        return errors.isEmpty() ? 0 : 1;
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new UsageException(option + " needs a value");
        }
        return args.get(i);
    }

    private List<String> checkMx(DnsResolver resolver, String domain, ArrayNode mxArray) {
        List<String> hosts = new ArrayList<>();
        DnsAnswer<MxRecord> mx;
        try {
            mx = resolver.mx(domain);
        } catch (DnsException e) {
            errors.add("MX lookup failed: " + e.getMessage());
            return hosts;
        }
        if (mx.status() == DnssecStatus.BOGUS) {
            errors.add("MX records of " + domain + " fail DNSSEC validation: " + mx.bogusReason().orElse(""));
            return hosts;
        }
        if (mx.isEmpty()) {
            warnings.add("no MX records: mail goes to the A/AAAA of " + domain + " (RFC 5321 §5.1)");
        }
        boolean signed = mx.secure();
        if (!signed && !mx.isEmpty()) {
            warnings.add("the MX records are not DNSSEC-signed: DANE cannot protect mail to " + domain);
        }
        for (MxRecord record : mx.records()) {
            ObjectNode node = mxArray.addObject();
            node.put("host", record.host());
            node.put("preference", record.preference());
            if (record.host().isEmpty()) {
                warnings.add(domain + " publishes a null MX: it accepts no mail (RFC 7505)");
                continue;
            }
            hosts.add(record.host());
            node.put("dnssec", mx.status().name().toLowerCase(Locale.ROOT));
            ArrayNode addresses = node.putArray("addresses");
            for (boolean v6 : new boolean[] {false, true}) {
                try {
                    DnsAnswer<InetAddress> a = v6 ? resolver.aaaa(record.host()) : resolver.a(record.host());
                    a.records().forEach(ip -> addresses.add(ip.getHostAddress()));
                } catch (DnsException e) {
                    warnings.add("address lookup of " + record.host() + " failed: " + e.getMessage());
                }
            }
            if (addresses.isEmpty()) {
                errors.add("MX host " + record.host() + " has no address");
            }
            node.set("tlsa", tlsa(resolver, record.host(), signed));
        }
        return hosts;
    }

    private ObjectNode tlsa(DnsResolver resolver, String host, boolean mxSigned) {
        ObjectNode node = Json.object();
        String name = "_25._tcp." + host;
        node.put("name", name);
        try {
            DnsAnswer<TlsaRecord> answer = resolver.tlsa(name);
            node.put("dnssec", answer.status().name().toLowerCase(Locale.ROOT));
            ArrayNode records = node.putArray("records");
            answer.records().forEach(r -> records.add(TlsaMatcher.format(r)));
            int usable = TlsaMatcher.usableRecords(answer.records()).size();
            node.put("usable", usable);
            boolean dane = answer.secure() && usable > 0;
            node.put("dane", dane);
            if (answer.status() == DnssecStatus.BOGUS) {
                errors.add("TLSA of " + host + " fails DNSSEC validation: senders using DANE will not deliver to it");
            } else if (!answer.isEmpty() && !answer.secure()) {
                warnings.add("TLSA records of " + host + " are not DNSSEC-signed, so senders ignore them");
            } else if (answer.secure() && !answer.isEmpty() && usable == 0) {
                errors.add("no TLSA record of " + host + " is usable for SMTP (need usage 2 or 3): DANE senders refuse it");
            } else if (answer.isEmpty() && mxSigned) {
                publish.add(name + ". IN TLSA 3 1 1 <SHA-256 of the public key of " + host + "'s certificate>");
            }
        } catch (DnsException e) {
            node.put("error", e.getMessage());
            (e.isTemporary() ? warnings : errors).add("TLSA lookup of " + host + " failed: " + e.getMessage());
        }
        return node;
    }

    /** The WebPKI roots of a PEM bundle, as the server's {@code mailsec.tls.webpki.roots}. */
    private static javax.net.ssl.SSLContext webPkiContext(Path pem) throws IOException, java.security.GeneralSecurityException {
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        try {
            context.init(null, new javax.net.ssl.TrustManager[] {SmtpTrustManager.pkixFromPem(pem)}, null);
        } catch (IllegalArgumentException e) {
            throw new java.security.GeneralSecurityException(pem + ": " + e.getMessage(), e);
        }
        return context;
    }

    /** The DKIM key record that lets receivers verify the TLS reports this domain sends (RFC 8460 §3). */
    private void checkReportKey(DnsResolver resolver, String name, Optional<java.security.PublicKey> key, ObjectNode node) {
        node.put("name", name);
        String toPublish = name + ". IN TXT \"" + key.map(ReportSigningKey::record)
            .orElse("v=DKIM1; k=rsa; s=tlsrpt; p=<public key of mailsec.reports.dkim.key>") + "\"";
        try {
            List<String> records = resolver.txt(name).records().stream().filter(t -> t.contains("p=")).toList();
            if (records.isEmpty()) {
                node.putNull("record");
                warnings.add("no DKIM key at " + name + ": receivers cannot verify the TLS reports you send");
                publish.add(toPublish);
                return;
            }
            node.put("record", records.get(0));
            List<String> problems = ReportSigningKey.problems(records.get(0), key);
            problems.forEach(p -> warnings.add("report DKIM key " + name + ": " + p));
            if (!problems.isEmpty()) {
                publish.add(toPublish);
            }
        } catch (DnsException e) {
            node.put("error", e.getMessage());
            warnings.add("DKIM key lookup of " + name + " failed: " + e.getMessage());
        }
    }

    private void checkMtaSts(DnsResolver resolver, String domain, List<String> mxHosts, ObjectNode node,
                             MtaStsPolicyFetcher fetcher) {
        MtaStsLookup lookup = new MtaStsLookup(resolver, fetcher);
        String suggestedPolicy = "version: STSv1\\nmode: testing\\n"
            + String.join("", mxHosts.stream().map(h -> "mx: " + h + "\\n").toList()) + "max_age: 604800\\n";
        try {
            MtaStsLookup.Result result = lookup.lookup(domain);
            node.set("record", RecordCommand.mtaStsJson(result.record()));
            PolicyFetch fetch = result.fetch();
            node.put("fetch", fetch.outcome().name().toLowerCase(Locale.ROOT).replace('_', '-'));
            if (fetch.policy().isEmpty()) {
                node.putNull("policy");
                node.put("reason", fetch.reason());
                errors.add("MTA-STS record published but the policy at https://mta-sts." + domain
                    + "/.well-known/mta-sts.txt is unusable: " + fetch.reason());
                publish.add("https://mta-sts." + domain + "/.well-known/mta-sts.txt (text/plain): " + suggestedPolicy);
                return;
            }
            MtaStsPolicy policy = fetch.policy().get();
            node.set("policy", RecordCommand.mtaStsPolicyJson(policy));
            policy.warnings().forEach(w -> warnings.add("MTA-STS policy: " + w));
            for (String host : mxHosts) {
                if (!policy.matches(host)) {
                    errors.add("MX host " + host + " is not allowed by the MTA-STS policy: senders in enforce mode refuse it");
                }
            }
            if (policy.mode() == MtaStsPolicy.Mode.TESTING) {
                warnings.add("MTA-STS is in testing mode: failures are reported but mail is still delivered");
            }
        } catch (RecordException e) {
            node.putNull("record");
            node.put("error", e.getMessage());
            switch (e.kind()) {
                case NO_RECORD -> {
                    warnings.add("no MTA-STS: senders without DANE fall back to unauthenticated TLS");
                    publish.add("_mta-sts." + domain + ". IN TXT \"v=STSv1; id="
                        + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss")) + "\"");
                    publish.add("https://mta-sts." + domain + "/.well-known/mta-sts.txt (text/plain): " + suggestedPolicy);
                }
                case TEMPORARY_DNS -> warnings.add("MTA-STS record lookup failed: " + e.getMessage());
                default -> errors.add("MTA-STS record: " + e.getMessage());
            }
        }
    }

    private void checkTlsRpt(DnsResolver resolver, String domain, ObjectNode node) {
        try {
            node.set("record", RecordCommand.tlsrptJson(new TlsRptLookup(resolver).lookup(domain)));
        } catch (RecordException e) {
            node.putNull("record");
            node.put("error", e.kind().value() + ": " + e.getMessage());
            switch (e.kind()) {
                case NO_RECORD -> {
                    warnings.add("no TLSRPT record: nobody tells you when TLS to your MX fails");
                    publish.add("_smtp._tls." + domain + ". IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@" + domain + "\"");
                }
                case TEMPORARY_DNS -> warnings.add("TLSRPT lookup failed: " + e.getMessage());
                default -> errors.add("TLSRPT record: " + e.getMessage());
            }
        }
    }

    private void checkDmarc(DnsResolver resolver, String domain, ObjectNode node) {
        DmarcLookup.Result result = new DmarcLookup(resolver).lookup(domain);
        node.put("status", result.status().name().toLowerCase(Locale.ROOT));
        node.put("recordDomain", result.recordDomain());
        if (result.record().isPresent()) {
            node.set("record", RecordCommand.dmarcJson(result.record().get()));
            result.record().get().warnings().forEach(w -> warnings.add("DMARC record: " + w));
            if (result.record().get().aggregateUris().isEmpty()) {
                warnings.add("DMARC record has no rua: you receive no aggregate reports");
            }
            return;
        }
        node.putNull("record");
        node.put("error", result.message());
        switch (result.status()) {
            case NONE -> {
                warnings.add("no DMARC record: " + result.message());
                publish.add("_dmarc." + domain + ". IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc-reports@" + domain + "\"");
            }
            case TEMPERROR -> warnings.add("DMARC lookup failed: " + result.message());
            default -> errors.add("DMARC record: " + result.message());
        }
    }
}
