package org.mailsec.check;

import java.net.InetAddress;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.X509TrustManager;
import org.mailsec.check.DomainCheckReport.Part;
import org.mailsec.check.DomainCheckReport.Status;
import org.mailsec.dane.DaneVerifier;
import org.mailsec.dane.HostnameMatcher;
import org.mailsec.dane.TlsVerificationException;
import org.mailsec.dane.TlsaMatcher;
import org.mailsec.dmarc.DmarcLookup;
import org.mailsec.dmarc.DmarcRecord;
import org.mailsec.dmarc.OrganizationalDomains;
import org.mailsec.dmarc.ReportDestinations;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dns.DnssecStatus;
import org.mailsec.dns.MxRecord;
import org.mailsec.dns.TlsaRecord;
import org.mailsec.mtasts.MtaStsLookup;
import org.mailsec.mtasts.MtaStsPolicy;
import org.mailsec.mtasts.MtaStsPolicyFetcher;
import org.mailsec.mtasts.PolicyFetch;
import org.mailsec.net.AddressPolicy;
import org.mailsec.record.RecordException;
import org.mailsec.tlsrpt.ReportSigningKey;
import org.mailsec.tlsrpt.TlsRptLookup;
import org.mailsec.tlsrpt.TlsRptRecord;

/**
 * What a sending MTA finds for a domain, part by part, with what to fix: MX (and its DNSSEC status), for each MX host
 * a live STARTTLS probe (certificate under WebPKI, names, days to expiry, TLS version), DANE (TLSA secure, usable, and
 * matching the certificate the host presented; a hint for key rollover), the host's TLSRPT; then MTA-STS (record,
 * policy, mode, max_age, every MX allowed, no stale pattern), TLSRPT, DMARC ({@code p}, {@code rua}, our address in it,
 * external destinations opted in), SPF and the report DKIM key. MX hosts are checked in parallel; the whole check
 * answers within {@link Settings#deadline()}, a part still running then being an error that says so.
 */
public final class DomainCheck {

    /** A certificate that expires sooner than this is a warning (automated renewal runs well before). */
    static final Duration EXPIRY_WARNING = Duration.ofDays(14);
    /** MX hosts checked, by preference; and the threads a check uses. */
    static final int MAX_MX_HOSTS = 10;
    private static final int WORKERS = 8;
    /** Ends a certificate fault that DANE forgives; {@link #enforced} finds it by this. */
    private static final String DANE_FORGIVES = " (DANE senders accept it; MTA-STS and other PKIX senders refuse it)";
    /** Addresses probed per MX host: the first of each family is what most senders try. */
    private static final int PROBES_PER_FAMILY = 1;

    /**
     * @param deadline           the whole check's bound
     * @param smtpPort           the port of MX hosts: 25, or the delivery's in a lab; TLSA records are at
     *                           {@code _<port>._tcp.<host>} (RFC 7672 §2.2)
     * @param probe              the STARTTLS probe of each MX host; empty to skip it (the command line's default)
     * @param probeAddresses     which addresses the probe may connect to ({@code mailsec.net.allowed})
     * @param dmarcReportAddresses our addresses for DMARC aggregate reports, one of which a checked domain's rua
     *                             should name; empty when nobody in particular is expected
     * @param reportKey          the key our TLS reports are signed with, checked for its domain only
     */
    public record Settings(Duration deadline, int smtpPort, Optional<StartTlsProbe> probe, AddressPolicy probeAddresses,
                           List<String> dmarcReportAddresses, Optional<ReportKey> reportKey) {
        public Settings {
            dmarcReportAddresses = List.copyOf(dmarcReportAddresses);
        }
    }

    /** The DKIM key that receivers of our TLS reports verify them with (RFC 8460 §3: {@code s=tlsrpt}). */
    public record ReportKey(String domain, String selector, Optional<PublicKey> key) {
        String name() {
            return selector + "._domainkey." + domain;
        }
    }

    private final DnsResolver resolver;
    private final MtaStsPolicyFetcher fetcher;
    private final X509TrustManager webPki;
    private final OrganizationalDomains organizationalDomains;
    private final Clock clock;
    private final Settings settings;

    public DomainCheck(DnsResolver resolver, MtaStsPolicyFetcher fetcher, X509TrustManager webPki,
                       OrganizationalDomains organizationalDomains, Clock clock, Settings settings) {
        this.resolver = resolver;
        this.fetcher = fetcher;
        this.webPki = webPki;
        this.organizationalDomains = organizationalDomains;
        this.clock = clock;
        this.settings = settings;
    }

    /** Checks {@code domain} (normalised by the caller); never throws for what DNS or the hosts answer. */
    public DomainCheckReport check(String domain) {
        Instant start = clock.instant();
        long deadline = System.nanoTime() + settings.deadline().toNanos();
        ExecutorService workers = Executors.newFixedThreadPool(WORKERS, r -> {
            Thread t = new Thread(r, "mailsec-domain-check");
            t.setDaemon(true);
            return t;
        });
        try {
            Builder mxPart = new Builder("mx", domain);
            MxFindings mx = await(workers.submit(() -> mx(domain, mxPart)), deadline, domain,
                why -> new MxFindings(List.of(), false, false, Optional.of(why)));
            Part mxBuilt = mx.failure().map(why -> new Builder("mx", domain).error(why).build()).orElseGet(mxPart::build);
            if (mx.nxdomain()) {
                // Nothing to publish records beside: the name must exist first.
                return new DomainCheckReport(domain, start, List.of(mxBuilt));
            }
            AtomicReference<MtaStsPolicy> policy = new AtomicReference<>();
            Map<String, Future<Part>> domainParts = new LinkedHashMap<>();
            domainParts.put("mta-sts", workers.submit(() -> mtaSts(domain, policy)));
            domainParts.put("tlsrpt", workers.submit(() -> domainTlsRpt(domain)));
            domainParts.put("dmarc", workers.submit(() -> dmarc(domain)));
            domainParts.put("spf", workers.submit(() -> spf(domain)));
            settings.reportKey().filter(k -> k.domain().equals(domain))
                .ifPresent(k -> domainParts.put("report-dkim-key", workers.submit(() -> reportKey(k))));
            Map<String, Future<List<Part>>> hostParts = new LinkedHashMap<>();
            for (MxRecord host : mx.hosts().subList(0, Math.min(MAX_MX_HOSTS, mx.hosts().size()))) {
                hostParts.put(host.host(), workers.submit(() -> hostParts(domain, host.host(), mx.secure())));
            }
            List<Part> parts = new ArrayList<>(List.of(mxBuilt));
            for (Map.Entry<String, Future<List<Part>>> host : hostParts.entrySet()) {
                parts.addAll(await(host.getValue(), deadline, host.getKey(),
                    why -> List.of(new Builder("starttls", host.getKey()).error(why).build())));
            }
            for (Map.Entry<String, Future<Part>> part : domainParts.entrySet()) {
                Part done = await(part.getValue(), deadline, domain, why -> new Builder(part.getKey(), domain).error(why).build());
                parts.add(done.name().equals("mta-sts") && policy.get() != null ? againstHosts(done, policy.get(), mx.hosts())
                    : done);
            }
            return new DomainCheckReport(domain, start, policy.get() != null && policy.get().mode() == MtaStsPolicy.Mode.ENFORCE
                ? enforced(parts) : parts);
        } finally {
            workers.shutdownNow();
        }
    }

    /** A future's answer, or {@code failed} saying why there is none by the deadline. */
    private <T> T await(Future<T> future, long deadline, String subject, java.util.function.Function<String, T> failed) {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            return failed.apply("no answer within " + settings.deadline().toSeconds() + " s: the check of " + subject
                + " was stopped");
        } catch (ExecutionException e) {
            return failed.apply("the check failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed.apply("the check was interrupted");
        }
    }

    /**
     * Under an enforced MTA-STS policy, a certificate fault DANE would forgive still stops the senders that do MTA-STS
     * without DANE (RFC 8461 §4.2, RFC 7672 §2.2): an error after all.
     */
    private static List<Part> enforced(List<Part> parts) {
        List<Part> judged = new ArrayList<>();
        for (Part part : parts) {
            if (!part.name().equals("starttls") || part.warnings().stream().noneMatch(w -> w.endsWith(DANE_FORGIVES))) {
                judged.add(part);
                continue;
            }
            Builder again = Builder.from(part);
            again.warnings.clear();
            for (String warning : part.warnings()) {
                if (warning.endsWith(DANE_FORGIVES)) {
                    again.error(warning.substring(0, warning.length() - DANE_FORGIVES.length())
                        + ": the MTA-STS policy is enforce, so senders without DANE refuse it");
                } else {
                    again.warning(warning);
                }
            }
            judged.add(again.build());
        }
        return judged;
    }

    /** What the MX lookup found: the hosts to check, whether the answer was secure, whether the domain exists. */
    private record MxFindings(List<MxRecord> hosts, boolean secure, boolean nxdomain, Optional<String> failure) {
    }

    private MxFindings mx(String domain, Builder part) {
        DnsAnswer<MxRecord> mx;
        try {
            mx = resolver.mx(domain);
        } catch (DnsException e) {
            part.error("MX lookup failed: " + e.getMessage());
            return new MxFindings(List.of(), false, false, Optional.empty());
        }
        part.found("dnssec", status(mx.status()));
        if (mx.status() == DnssecStatus.BOGUS) {
            part.error("the MX records of " + domain + " fail DNSSEC validation: " + mx.bogusReason().orElse(""));
            return new MxFindings(List.of(), false, false, Optional.empty());
        }
        if (mx.nxdomain()) {
            part.error(domain + " does not exist in DNS (NXDOMAIN)");
            return new MxFindings(List.of(), mx.secure(), true, Optional.empty());
        }
        part.found("records", mx.records().stream().map(r -> r.preference() + " " + (r.host().isEmpty() ? "." : r.host()))
            .toList());
        if (mx.isEmpty()) {
            part.warning("no MX records: mail goes to the addresses of " + domain + " itself (RFC 5321 §5.1)");
        } else if (!mx.secure()) {
            part.warning("the MX records are not DNSSEC-signed: DANE cannot protect mail to " + domain);
        }
        List<MxRecord> hosts = new ArrayList<>();
        for (MxRecord record : mx.records()) {
            if (record.host().isEmpty()) {
                part.warning(domain + " publishes a null MX: it accepts no mail (RFC 7505)");
            } else {
                hosts.add(record);
            }
        }
        hosts.sort(java.util.Comparator.comparingInt(MxRecord::preference));
        if (hosts.size() > MAX_MX_HOSTS) {
            part.warning(hosts.size() + " MX hosts: the " + MAX_MX_HOSTS + " of lowest preference are checked");
        }
        return new MxFindings(hosts, mx.secure(), false, Optional.empty());
    }

    /** STARTTLS, DANE and TLSRPT of one MX host. */
    private List<Part> hostParts(String domain, String host, boolean mxSecure) {
        Builder starttls = new Builder("starttls", host);
        Builder dane = new Builder("dane", host);
        boolean[] addressesSecure = {true};
        List<InetAddress> addresses = addresses(host, starttls, addressesSecure);
        // RFC 7672 §2.2.2: senders look for TLSA only where the MX and address records are secure.
        boolean daneApplies = mxSecure && addressesSecure[0];
        Optional<DnsAnswer<TlsaRecord>> tlsa = tlsa(host, dane, daneApplies);
        boolean daneCovers = tlsa.isPresent() && tlsa.get().secure() && !TlsaMatcher.usableRecords(tlsa.get().records()).isEmpty();
        List<X509Certificate> presented = List.of();
        if (settings.probe().isPresent()) {
            starttls.presented = probe(host, addresses, daneCovers, starttls);
            presented = starttls.presented.isEmpty() ? List.of() : starttls.presented.get(0).chain();
        }
        tlsa.ifPresent(answer -> judgeDane(host, answer, starttls, dane));
        if (daneApplies && tlsa.isPresent() && tlsa.get().isEmpty() && tlsa.get().status() != DnssecStatus.BOGUS) {
            suggestTlsa(host, presented, dane);
        }
        Builder tlsrpt = new Builder("tlsrpt", host);
        tlsrpt(host, tlsrpt, () -> {
            if (daneCovers && host.endsWith("." + domain)) {
                // RFC 8460 §3: DANE results are reported to the MX host's own policy domain; some senders report them
                // to the recipient domain instead, so this is advice, not a fault.
                tlsrpt.instruction(tlsrptRecord(host, domain));
            }
        });
        return List.of(starttls.build(), dane.build(), tlsrpt.build());
    }

    private List<InetAddress> addresses(String host, Builder part, boolean[] secure) {
        List<InetAddress> addresses = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        for (boolean v6 : new boolean[] {false, true}) {
            try {
                DnsAnswer<InetAddress> answer = v6 ? resolver.aaaa(host) : resolver.a(host);
                answer.records().stream().limit(PROBES_PER_FAMILY).forEach(addresses::add);
                answer.records().forEach(a -> shown.add(a.getHostAddress()));
                secure[0] &= answer.secure();
            } catch (DnsException e) {
                part.warning("the " + (v6 ? "AAAA" : "A") + " lookup of " + host + " failed: " + e.getMessage());
                secure[0] = false;
            }
        }
        part.found("addresses", shown);
        if (shown.isEmpty()) {
            part.error("MX host " + host + " has no address");
        }
        return addresses;
    }

    /** A chain one address presented. */
    private record Presented(String address, List<X509Certificate> chain) {
    }

    /**
     * The chains of the addresses that completed a handshake, each judged (a second address presenting another
     * certificate is judged under its address); each address probed is reported.
     */
    private List<Presented> probe(String host, List<InetAddress> addresses, boolean daneCovers, Builder part) {
        List<Presented> chains = new ArrayList<>();
        List<String> probed = new ArrayList<>();
        for (InetAddress address : addresses) {
            Optional<String> refused = settings.probeAddresses().refusal(address);
            if (refused.isPresent()) {
                part.warning("not probed: " + address.getHostAddress() + " " + refused.get() + " (mailsec.net.allowed)");
                continue;
            }
            StartTlsProbe.Result result = settings.probe().get().probe(host, address);
            if (result.unreachable()) {
                // This host's network, not the MX: e.g. no IPv6 route here.
                part.warning("not probed: " + address.getHostAddress() + " cannot be reached from here ("
                    + result.failure().orElse("") + ")");
                continue;
            }
            probed.add(address.getHostAddress());
            if (result.failure().isPresent()) {
                part.error(host + " (" + address.getHostAddress() + "): " + result.failure().get()
                    + (result.startTls() || result.greeting().isEmpty() ? "" : ": senders requiring TLS cannot deliver"));
                continue;
            }
            part.found("tls", result.protocol().orElse("") + " " + result.cipherSuite().orElse(""));
            if (!result.protocol().orElse("").matches("TLSv1\\.[23]")) {
                part.warning(host + " negotiated " + result.protocol().orElse("") + ": RFC 8996 deprecates TLS before 1.2");
            }
            String authType = result.authType().isEmpty() ? "UNKNOWN" : result.authType();
            if (chains.isEmpty()) {
                judgeCertificate(host, host, result.chain(), authType, daneCovers, part, true);
                chains.add(new Presented(address.getHostAddress(), result.chain()));
            } else if (!sameLeaf(chains.get(0).chain(), result.chain())) {
                judgeCertificate(host, host + " at " + address.getHostAddress(), result.chain(), authType, daneCovers, part, false);
                chains.add(new Presented(address.getHostAddress(), result.chain()));
            }
        }
        part.found("probed", probed);
        return chains;
    }

    private static boolean sameLeaf(List<X509Certificate> a, List<X509Certificate> b) {
        return !a.isEmpty() && !b.isEmpty() && a.get(0).equals(b.get(0));
    }

    /**
     * WebPKI, names and dates of the presented leaf. Where DANE covers the host these are warnings: DANE-EE senders
     * check neither (RFC 7672 §3.1.1), but senders without DANE that enforce MTA-STS do.
     */
    /**
     * @param host  the MX host, the name the certificate must carry
     * @param label how messages name it (the host, or the host at one of its addresses)
     * @param first whether this chain's facts go into the part's findings
     */
    private void judgeCertificate(String host, String label, List<X509Certificate> chain, String authType,
                                  boolean daneCovers, Builder part, boolean first) {
        if (chain.isEmpty()) {
            part.error(label + " presented no certificate");
            return;
        }
        X509Certificate leaf = chain.get(0);
        Instant notAfter = leaf.getNotAfter().toInstant();
        long daysLeft = Duration.between(clock.instant(), notAfter).toDays();
        if (first) {
            part.found("certificate", leaf.getSubjectX500Principal().getName());
            part.found("names", HostnameMatcher.dnsNames(leaf));
            part.found("notAfter", notAfter.toString());
            part.found("daysLeft", daysLeft);
        }
        String consequence = daneCovers ? DANE_FORGIVES : ": senders enforcing MTA-STS refuse it";
        List<String> faults = new ArrayList<>();
        if (notAfter.isBefore(clock.instant())) {
            faults.add("the certificate of " + label + " expired on " + notAfter);
        } else if (leaf.getNotBefore().toInstant().isAfter(clock.instant())) {
            faults.add("the certificate of " + label + " is not valid before " + leaf.getNotBefore().toInstant());
        } else if (Duration.between(clock.instant(), notAfter).compareTo(EXPIRY_WARNING) < 0) {
            part.warning("the certificate of " + label + " expires in " + daysLeft + " days (" + notAfter + ")");
        }
        if (!HostnameMatcher.matchesAny(leaf, List.of(host))) {
            faults.add("the certificate of " + label + " names " + HostnameMatcher.dnsNames(leaf) + ", not " + host);
        }
        boolean chainValid = true;
        try {
            // The key exchange the handshake named: the JDK checks the key usage it needs ("UNKNOWN" in TLS 1.3).
            webPki.checkServerTrusted(chain.toArray(X509Certificate[]::new), authType);
        } catch (CertificateException | IllegalArgumentException e) {
            chainValid = false;
            if (faults.stream().noneMatch(f -> f.contains("expired") || f.contains("not valid before"))) {
                faults.add("the certificate chain of " + label + " is not valid under WebPKI: " + rootMessage(e));
            }
        }
        if (first) {
            part.found("webPkiValid", chainValid && faults.isEmpty());
        }
        for (String fault : faults) {
            if (daneCovers) {
                part.warning(fault + consequence);
            } else {
                part.error(fault + consequence);
            }
        }
    }

    private Optional<DnsAnswer<TlsaRecord>> tlsa(String host, Builder part, boolean daneApplies) {
        String name = "_" + settings.smtpPort() + "._tcp." + host;
        part.found("name", name);
        try {
            DnsAnswer<TlsaRecord> answer = resolver.tlsa(name);
            part.found("dnssec", status(answer.status()));
            part.found("records", answer.records().stream().map(TlsaMatcher::format).toList());
            return Optional.of(answer);
        } catch (DnsException e) {
            // Where DANE applies, a TLSA lookup that fails makes DANE senders defer (RFC 7672 §2.2): mail waits. Elsewhere
            // senders do not look.
            if (daneApplies) {
                part.error("TLSA lookup of " + name + " failed: " + e.getMessage() + ": DANE senders defer mail to " + host);
            }
            return Optional.empty();
        }
    }

    private void judgeDane(String host, DnsAnswer<TlsaRecord> answer, Builder starttls, Builder part) {
        List<TlsaRecord> usable = TlsaMatcher.usableRecords(answer.records());
        part.found("usable", usable.size());
        part.found("dane", answer.secure() && !usable.isEmpty());
        if (answer.status() == DnssecStatus.BOGUS) {
            part.error("the TLSA records of " + host + " fail DNSSEC validation: DANE senders do not deliver to it");
            return;
        }
        if (answer.isEmpty()) {
            return;
        }
        if (!answer.secure()) {
            part.warning("the TLSA records of " + host + " are not DNSSEC-signed, so senders ignore them");
            return;
        }
        if (usable.isEmpty()) {
            part.error("no TLSA record of " + host + " is usable for SMTP (usage 2 or 3, RFC 7672 §3.1): DANE senders"
                + " cannot authenticate it (they still insist on TLS)");
            return;
        }
        for (Presented presented : starttls.presented) {
            String label = presented.address().equals(starttls.presented.get(0).address()) ? host
                : host + " at " + presented.address();
            try {
                DaneVerifier.Match match = DaneVerifier.verify(presented.chain(), answer.records(), List.of(host), true,
                    clock.instant());
                part.found("matched", TlsaMatcher.format(match.record()));
            } catch (TlsVerificationException e) {
                part.error("the certificate " + label + " presented matches no TLSA record (" + e.getMessage()
                    + "): DANE senders do not deliver to it");
            }
        }
        if (usable.size() == 1 && usable.get(0).usage() == TlsaMatcher.DANE_EE) {
            // RFC 7671 §8.1: publish the next key's record beside the current one before the server changes keys.
            part.warning("one usable TLSA record only: before " + host + " changes its key, publish the next key's record"
                + " beside the current one (current + next) and wait for the old RRset's TTL");
        }
    }

    /** Where the MX records are signed but the host has no TLSA: the record to publish, from the key it presented. */
    private void suggestTlsa(String host, List<X509Certificate> chain, Builder part) {
        String data = chain.isEmpty() ? "<SHA-256 of the public key of " + host + "'s certificate>"
            : spkiSha256(chain.get(0).getPublicKey());
        part.instruction("_" + settings.smtpPort() + "._tcp." + host + ". IN TLSA 3 1 1 " + data);
    }

    /** The TLSRPT record at {@code _smtp._tls.<owner>} into the part; {@code missing} says what its absence means. */
    private void tlsrpt(String owner, Builder part, Runnable missing) {
        String name = "_smtp._tls." + owner;
        part.found("name", name);
        try {
            TlsRptRecord record = new TlsRptLookup(resolver).lookup(owner);
            part.found("rua", record.rua().stream().map(Object::toString).toList());
        } catch (RecordException e) {
            switch (e.kind()) {
                case NO_RECORD -> missing.run();
                case TEMPORARY_DNS -> part.warning("TLSRPT lookup of " + name + " failed: " + e.getMessage());
                default -> part.error("TLSRPT record " + name + ": " + e.getMessage());
            }
        }
    }

    private static String tlsrptRecord(String owner, String domain) {
        return "_smtp._tls." + owner + ". IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@" + domain + "\"";
    }

    private Part mtaSts(String domain, AtomicReference<MtaStsPolicy> usable) {
        Builder part = new Builder("mta-sts", domain);
        try {
            MtaStsLookup.Result result = new MtaStsLookup(resolver, fetcher).lookup(domain);
            part.found("id", result.record().id());
            PolicyFetch fetch = result.fetch();
            part.found("fetch", fetch.outcome().name().toLowerCase(Locale.ROOT).replace('_', '-'));
            if (fetch.policy().isEmpty()) {
                part.found("reason", fetch.reason());
                part.error("MTA-STS record published but the policy at https://mta-sts." + domain
                    + "/.well-known/mta-sts.txt is unusable: " + fetch.reason());
                part.instruction("https://mta-sts." + domain + "/.well-known/mta-sts.txt (text/plain): a policy"
                    + " (RFC 8461 §3.2)");
                return part.build();
            }
            MtaStsPolicy policy = fetch.policy().get();
            usable.set(policy);
            part.found("mode", policy.mode().value());
            part.found("mx", policy.mx());
            part.found("maxAge", policy.maxAge().getSeconds());
            policy.warnings().forEach(w -> part.warning("MTA-STS policy: " + w));
            if (policy.mode() == MtaStsPolicy.Mode.TESTING) {
                part.warning("MTA-STS is in testing mode: failures are reported but mail is still delivered");
            }
        } catch (RecordException e) {
            part.found("error", e.getMessage());
            switch (e.kind()) {
                case NO_RECORD -> {
                    part.warning("no MTA-STS: senders without DANE fall back to unauthenticated TLS");
                    part.instruction("_mta-sts." + domain + ". IN TXT \"v=STSv1; id="
                        + DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC).format(clock.instant()) + "\"");
                }
                case TEMPORARY_DNS -> part.warning("MTA-STS record lookup failed: " + e.getMessage());
                default -> part.error("MTA-STS record: " + e.getMessage());
            }
        }
        return part.build();
    }

    /** The MTA-STS part once the MX hosts are known: each must be allowed, and each pattern should still be used. */
    private static Part againstHosts(Part part, MtaStsPolicy policy, List<MxRecord> hosts) {
        Builder judged = Builder.from(part);
        if (policy.mode() == MtaStsPolicy.Mode.NONE) {
            // A policy withdrawn (RFC 8461 §3.2 mode none): its mx lines no longer matter.
            return judged.build();
        }
        for (MxRecord host : hosts) {
            if (!policy.matches(host.host())) {
                String text = "MX host " + host.host() + " is not allowed by the MTA-STS policy (RFC 8461 §4.1)";
                if (policy.mode() == MtaStsPolicy.Mode.ENFORCE) {
                    judged.error(text + ": senders refuse it");
                } else {
                    judged.warning(text + ": in testing mode it is reported, and still gets mail");
                }
            }
        }
        for (String pattern : policy.mx()) {
            MtaStsPolicy one = new MtaStsPolicy(policy.mode(), List.of(pattern), policy.maxAge(), Map.of(), List.of());
            if (!hosts.isEmpty() && hosts.stream().noneMatch(h -> one.matches(h.host()))) {
                judged.warning("the MTA-STS policy allows " + pattern + ", which no MX record names any more");
            }
        }
        return judged.build();
    }

    private Part domainTlsRpt(String domain) {
        Builder part = new Builder("tlsrpt", domain);
        tlsrpt(domain, part, () -> {
            part.warning("no TLSRPT record: nobody tells you when TLS to your MX hosts fails");
            part.instruction(tlsrptRecord(domain, domain));
        });
        return part.build();
    }

    private Part dmarc(String domain) {
        Builder part = new Builder("dmarc", domain);
        DmarcLookup.Result result = new DmarcLookup(resolver, organizationalDomains, DmarcLookup.Discovery.PUBLIC_SUFFIX_LIST)
            .lookup(domain);
        part.found("status", result.status().name().toLowerCase(Locale.ROOT));
        part.found("recordDomain", result.recordDomain());
        String expected = settings.dmarcReportAddresses().isEmpty() ? "dmarc-reports@" + domain
            : settings.dmarcReportAddresses().get(0);
        if (result.record().isEmpty()) {
            part.found("error", result.message());
            switch (result.status()) {
                case NONE -> {
                    part.warning(result.message().startsWith("no DMARC record") ? result.message()
                        : "no DMARC record: " + result.message());
                    part.instruction("_dmarc." + domain + ". IN TXT \"v=DMARC1; p=none; rua=mailto:" + expected + "\"");
                }
                case TEMPERROR -> part.warning("DMARC lookup failed: " + result.message());
                default -> part.error("DMARC record: " + result.message());
            }
            return part.build();
        }
        DmarcRecord record = result.record().get();
        // A record found at the organizational domain governs this one as a subdomain: sp (which defaults to p).
        DmarcRecord.Policy applies = result.recordDomain().equals(domain) ? record.policy() : record.subdomainPolicy();
        part.found("p", applies.value());
        part.found("rua", record.aggregateUris().stream().map(u -> u.uri().toString()).toList());
        record.warnings().forEach(w -> part.warning("DMARC record: " + w));
        if (applies == DmarcRecord.Policy.NONE) {
            part.warning("p=none: receivers deliver mail that fails DMARC; quarantine or reject once the reports are clean");
        }
        if (record.aggregateUris().isEmpty()) {
            part.warning("the DMARC record has no rua: you receive no aggregate reports");
        } else if (!settings.dmarcReportAddresses().isEmpty() && record.aggregateUris().stream()
                .noneMatch(u -> settings.dmarcReportAddresses().stream().anyMatch(u.address()::equalsIgnoreCase))) {
            part.warning("rua does not include " + expected + ": the reports about " + domain + " do not reach James");
            part.instruction("add mailto:" + expected + " to the rua of _dmarc." + result.recordDomain());
        }
        ReportDestinations destinations = new ReportDestinations(resolver, organizationalDomains);
        for (DmarcRecord.ReportUri uri : record.aggregateUris()) {
            ReportDestinations.Decision decision = destinations.decide(result.recordDomain(), uri);
            if (decision instanceof ReportDestinations.Decision.Refuse refuse) {
                part.warning("rua " + uri.uri() + " gets no reports: " + refuse.why());
            } else if (decision instanceof ReportDestinations.Decision.Later later) {
                part.warning("rua " + uri.uri() + " could not be verified now: " + later.why());
            }
        }
        return part.build();
    }

    private Part spf(String domain) {
        Builder part = new Builder("spf", domain);
        try {
            // RFC 7208 §4.5: exactly one record starting "v=spf1", case-insensitively.
            DnsAnswer<String> txt = resolver.txt(domain);
            if (txt.status() == DnssecStatus.BOGUS) {
                part.error("the TXT records of " + domain + " fail DNSSEC validation: receivers get no SPF record");
                return part.build();
            }
            List<String> records = txt.records().stream()
                .filter(t -> t.toLowerCase(Locale.ROOT).matches("v=spf1( .*)?")).toList();
            part.found("records", records);
            if (records.isEmpty()) {
                part.warning("no SPF record: receivers cannot tell which hosts send for " + domain);
                part.instruction(domain + ". IN TXT \"v=spf1 mx -all\"");
            } else if (records.size() > 1) {
                part.error(records.size() + " SPF records: receivers give permerror (RFC 7208 §4.5); merge them into one");
            }
        } catch (DnsException e) {
            part.warning("SPF lookup failed: " + e.getMessage());
        }
        return part.build();
    }

    private Part reportKey(ReportKey key) {
        Builder part = new Builder("report-dkim-key", key.name());
        String toPublish = key.name() + ". IN TXT \"" + key.key().map(ReportSigningKey::record)
            .orElse("v=DKIM1; k=rsa; s=tlsrpt; p=<public key of mailsec.reports.dkim.key>") + "\"";
        try {
            DnsAnswer<String> txt = resolver.txt(key.name());
            if (txt.status() == DnssecStatus.BOGUS) {
                part.error("the DKIM key at " + key.name() + " fails DNSSEC validation: receivers cannot verify our reports");
                return part.build();
            }
            List<String> records = txt.records().stream().filter(t -> t.contains("p=")).toList();
            if (records.isEmpty()) {
                part.warning("no DKIM key at " + key.name() + ": receivers cannot verify the TLS reports you send");
                part.instruction(toPublish);
                return part.build();
            }
            part.found("record", records.get(0));
            List<String> problems = ReportSigningKey.problems(records.get(0), key.key());
            problems.forEach(p -> part.warning("report DKIM key " + key.name() + ": " + p));
            if (!problems.isEmpty()) {
                part.instruction(toPublish);
            }
        } catch (DnsException e) {
            part.warning("DKIM key lookup of " + key.name() + " failed: " + e.getMessage());
        }
        return part.build();
    }

    /** The association data of a key's DANE-EE {@code 3 1 1} record, in lower-case hex as zone files are written. */
    static String spkiSha256(PublicKey key) {
        return HexFormat.of().formatHex(TlsaMatcher.daneEe(key).data());
    }

    private static String status(DnssecStatus status) {
        return status.name().toLowerCase(Locale.ROOT);
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /** One part while it is being checked. */
    private static final class Builder {
        private final String name;
        private final String subject;
        private final Map<String, Object> found = new LinkedHashMap<>();
        private final List<String> errors = new ArrayList<>();
        private final List<String> warnings = new ArrayList<>();
        private final List<String> instructions = new ArrayList<>();
        /** The chain a STARTTLS part's probe saw, for the same host's DANE part. */
        private List<Presented> presented = List.of();

        Builder(String name, String subject) {
            this.name = name;
            this.subject = subject;
        }

        static Builder from(Part part) {
            Builder b = new Builder(part.name(), part.subject());
            b.found.putAll(part.found());
            b.errors.addAll(part.errors());
            b.warnings.addAll(part.warnings());
            b.instructions.addAll(part.instructions());
            return b;
        }

        Builder found(String key, Object value) {
            found.put(key, value);
            return this;
        }

        Builder error(String text) {
            errors.add(text);
            return this;
        }

        Builder warning(String text) {
            warnings.add(text);
            return this;
        }

        Builder instruction(String text) {
            instructions.add(text);
            return this;
        }

        Part build() {
            Status status = !errors.isEmpty() ? Status.ERROR : !warnings.isEmpty() ? Status.WARNING : Status.OK;
            return new Part(name, subject, status, found, errors, warnings, instructions);
        }
    }
}
