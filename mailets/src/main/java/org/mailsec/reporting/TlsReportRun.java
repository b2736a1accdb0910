package org.mailsec.reporting;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.mail.internet.AddressException;
import javax.mail.internet.InternetAddress;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.MailetContext;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.record.RecordException;
import org.mailsec.net.HttpsClient;
import org.mailsec.store.suppression.Suppression;
import org.mailsec.store.suppression.SuppressionList;
import org.mailsec.store.tls.ReportClaims;
import org.mailsec.store.tls.TlsResultCount;
import org.mailsec.store.tls.TlsResultStore;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportAccumulator;
import org.mailsec.tlsrpt.TlsRptLookup;
import org.mailsec.tlsrpt.TlsRptRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the TLS reports of one UTC day (RFC 8460 §5). Each (policy domain, day) is claimed in the store
 * first, so among James nodes sharing a store exactly one sends it, and a report marked sent is never sent
 * again. Recipient domains come first, then MX hosts with their own TLSRPT record. What goes out goes through
 * {@link ReportMailer} (mailto) and {@link ReportPoster} (https).
 */
public final class TlsReportRun {

    /** What a run did. */
    public record Summary(LocalDate day, int mailed, int posted, int failed, int suppressed, int skipped) {
    }

    /** Pauses between reports, so a run spreads its sends (the job waits; operator-triggered runs do not). */
    @FunctionalInterface
    public interface Pacer {
        void pause(int sent, int total) throws InterruptedException;

        Pacer NONE = (sent, total) -> { };
    }

    private static final Duration CLAIM = Duration.ofMinutes(30);
    private static final Logger LOG = LoggerFactory.getLogger(TlsReportRun.class);

    private final TlsResultStore results;
    private final ReportClaims claims;
    private final SuppressionList suppressions;
    private final TlsRptLookup tlsRpt;
    private final ReportSettings settings;
    private final ReportMailer mailer;
    private final ReportPoster poster;
    private final MetricFactory metrics;
    private final Clock clock;
    private final String node;

    public TlsReportRun(TlsResultStore results, ReportClaims claims, SuppressionList suppressions, TlsRptLookup tlsRpt,
                        MailetContext mailetContext, ReportSettings settings, HttpsClient https, MetricFactory metrics,
                        Clock clock, String node) {
        this.results = results;
        this.claims = claims;
        this.suppressions = suppressions;
        this.tlsRpt = tlsRpt;
        this.settings = settings;
        this.mailer = new ReportMailer(mailetContext, settings, suppressions, metrics, clock);
        this.poster = new ReportPoster(https, settings, metrics);
        this.metrics = metrics;
        this.clock = clock;
        this.node = node;
    }

    /** Sends every report of {@code day} not sent yet, one after the other, pausing as {@code pacer} says. */
    public Summary run(LocalDate day, Pacer pacer) throws InterruptedException {
        return run(day, pacer, 1);
    }

    /**
     * Sends every report of {@code day} not sent yet, now, with {@code workers} reports built in parallel
     * (an operator's run, or a backlog); recipient domains all go before MX hosts, whose reports depend on them.
     */
    public Summary runNow(LocalDate day, int workers) throws InterruptedException {
        return run(day, Pacer.NONE, workers);
    }

    private Summary run(LocalDate day, Pacer pacer, int workers) throws InterruptedException {
        Counter counter = new Counter();
        java.util.Set<String> hosts = new java.util.LinkedHashSet<>(results.hostPolicyDomains(day));
        // Each host's rows are read once: for its recipient domains' reports and for its own.
        Map<String, List<TlsResultCount>> rowsOfHost = new java.util.HashMap<>();
        List<TlsResultCount> hostRows = new ArrayList<>();
        for (String host : hosts) {
            List<TlsResultCount> rows = results.results(host, day);
            rowsOfHost.put(host, rows);
            hostRows.addAll(rows);
        }
        Map<String, List<TlsResultCount>> hostRowsByRecipient = TlsReportBuilder.byRecipientDomain(hostRows);
        // A recipient domain whose MX hosts all use DANE has results only under those hosts: it is reached
        // through them. A recipient domain that is also a host (an implicit MX, or another domain's MX) gets one
        // report: its own rows, whatever they are, and its other hosts' rows for it.
        java.util.Set<String> recipients = new java.util.LinkedHashSet<>(results.policyDomains(day));
        recipients.removeAll(hosts);
        recipients.addAll(hostRowsByRecipient.keySet());
        recipients.remove("");
        List<String> recipientDomains = List.copyOf(recipients);
        List<String> hostsOnly = hosts.stream().filter(h -> !recipients.contains(h)).toList();
        int total = recipientDomains.size() + hostsOnly.size();
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        Map<String, java.util.Optional<String>> recipientRuas = new java.util.concurrent.ConcurrentHashMap<>();
        forEach(recipientDomains, workers, domain -> {
            List<TlsResultCount> rows = new ArrayList<>(rowsOfHost.containsKey(domain) ? rowsOfHost.get(domain)
                : results.results(domain, day));
            hostRowsByRecipient.getOrDefault(domain, List.of()).stream()
                .filter(r -> !r.key().policyDomain().equals(domain)).forEach(rows::add);
            if (send(domain, day, rows, true, counter, recipientRuas)) {
                pacer.pause(done.incrementAndGet(), total);
            }
        });
        forEach(hostsOnly, workers, host -> {
            if (send(host, day, rowsOfHost.get(host), false, counter, recipientRuas)) {
                pacer.pause(done.incrementAndGet(), total);
            }
        });
        Summary summary = new Summary(day, counter.mailed.get(), counter.posted.get(), counter.failed.get(),
            counter.suppressed.get(), counter.skipped.get());
        LOG.info("TLS reports for {}: {}", day, summary);
        return summary;
    }

    /** Counts of a run; workers update them concurrently. */
    private static final class Counter {
        final java.util.concurrent.atomic.AtomicInteger mailed = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger posted = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger suppressed = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger skipped = new java.util.concurrent.atomic.AtomicInteger();
    }

    @FunctionalInterface
    private interface Step {
        void run(String domain) throws InterruptedException;
    }

    /** Runs {@code step} for each domain, on the calling thread or on {@code workers} threads. */
    private static void forEach(List<String> domains, int workers, Step step) throws InterruptedException {
        if (workers <= 1) {
            for (String domain : domains) {
                step.run(domain);
            }
            return;
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(workers);
        try {
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            List<java.util.concurrent.Future<?>> running = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                running.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < domains.size(); i = next.getAndIncrement()) {
                        step.run(domains.get(i));
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : running) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("TLS report worker failed", e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Claims, builds and sends one report; true when something was sent. {@code recipientRuas} remembers, for a
     * host's report, where each recipient domain's own report goes.
     */
    private boolean send(String policyDomain, LocalDate day, List<TlsResultCount> rows, boolean recipientDomain,
                         Counter counter, Map<String, java.util.Optional<String>> recipientRuas) {
        if (claims.sent(policyDomain, day)) {
            return false;
        }
        TlsRptRecord record;
        try {
            record = tlsRpt.lookup(policyDomain);
        } catch (RecordException e) {
            if (e.kind() == RecordException.Kind.TEMPORARY_DNS) {
                // Kept for the next run: the results stay 48 hours.
                LOG.info("TLS report for {} on {} postponed: {}", policyDomain, day, e.getMessage());
            } else {
                counter.skipped.incrementAndGet();
            }
            return false;
        }
        String rua = ruaKey(record);
        // A host's results for another recipient domain whose own report goes (or went, or will go once its record
        // can be read) to the same address are that report's: never twice to one address, whichever node sends first.
        // Decided once per recipient domain, not per row: each decision may read the store and DNS.
        Map<String, Boolean> theirs = new java.util.HashMap<>();
        rows = rows.stream().filter(r -> r.key().recipientDomain().equals(policyDomain)
            || !theirs.computeIfAbsent(r.key().recipientDomain(), d -> alreadyReportedTo(d, day, rua)
                || reportedByItsDomain(d, rua, recipientRuas))).toList();
        TlsReportAccumulator accumulator = TlsReportBuilder.accumulate(rows);
        if (accumulator.isEmpty() || (!accumulator.hasFailures() && !settings.sendSuccessOnly())) {
            counter.skipped.incrementAndGet();
            return false;
        }
        Instant now = clock.instant();
        if (!claims.claim(policyDomain, day, node, now.plus(CLAIM), now)) {
            return false;
        }
        TlsReport report = TlsReportBuilder.build(accumulator, settings, policyDomain, day);
        List<InternetAddress> mailto = new ArrayList<>();
        for (String address : record.mailtoAddresses()) {
            if (suppressions.suppressed(Suppression.Kind.TLS, address, now)) {
                counter.suppressed.incrementAndGet();
                metrics.generate(MailsecMetrics.TLS_REPORTS_SUPPRESSED).increment();
                continue;
            }
            if (address.contains("@[")) {
                // An address literal names a host, not a domain: it could point reports into this network.
                LOG.info("TLS report for {}: rua address {} is an address literal; refused", policyDomain, address);
                continue;
            }
            try {
                mailto.add(new InternetAddress(address, true));
            } catch (AddressException e) {
                LOG.info("TLS report for {}: rua address {} is not usable", policyDomain, address);
            }
        }
        boolean sent = false;
        if (!mailto.isEmpty()) {
            if (mailer.send(report, policyDomain, mailto)) {
                counter.mailed.incrementAndGet();
                sent = true;
            } else {
                counter.failed.incrementAndGet();
            }
        }
        for (URI endpoint : record.httpsEndpoints()) {
            if (poster.post(report, policyDomain, endpoint)) {
                counter.posted.incrementAndGet();
                sent = true;
            } else {
                counter.failed.incrementAndGet();
            }
        }
        if (sent || (mailto.isEmpty() && record.httpsEndpoints().isEmpty())) {
            // Nothing more to try: suppressed or unusable addresses are not retried either.
            claims.markSent(policyDomain, day, node, clock.instant(), recipientDomain, !recipientDomain,
                recipientDomain ? rua : "");
        }
        return sent;
    }

    private boolean alreadyReportedTo(String recipientDomain, LocalDate day, String rua) {
        if (recipientDomain.isEmpty()) {
            return false;
        }
        return claims.state(recipientDomain, day)
            .filter(state -> state.sentAt() != null && state.sentToRecipientDomain())
            .map(state -> rua.equals(state.recipientDomainRua()))
            .orElse(false);
    }

    /**
     * The recipient domain's own report carries these rows to {@code rua}: its record names the same rua, or cannot
     * be read now (its report waits for the next run, and carries them then).
     */
    private boolean reportedByItsDomain(String recipientDomain, String rua, Map<String, java.util.Optional<String>> ruas) {
        if (recipientDomain.isEmpty()) {
            return false;
        }
        java.util.Optional<String> theirs = ruas.computeIfAbsent(recipientDomain, d -> {
            try {
                return java.util.Optional.of(ruaKey(tlsRpt.lookup(d)));
            } catch (RecordException e) {
                return e.kind() == RecordException.Kind.TEMPORARY_DNS ? java.util.Optional.of(rua) : java.util.Optional.empty();
            }
        });
        return theirs.map(rua::equals).orElse(false);
    }

    /** The rua of a record in a comparable form: its URIs, sorted, lower case. */
    static String ruaKey(TlsRptRecord record) {
        return record.rua().stream().map(u -> u.toString().toLowerCase(java.util.Locale.ROOT)).sorted()
            .collect(java.util.stream.Collectors.joining(","));
    }
}
