package org.mailsec.reporting;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.MailetContext;
import org.mailsec.net.HttpsClient;
import org.mailsec.record.RecordException;
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
 * again. Recipient domains come first, then MX hosts with their own TLSRPT record. The run's frame (stages, workers,
 * pacing) is {@link ReportRun}'s; what goes out goes through {@link ReportDelivery} (mailto and https).
 */
public final class TlsReportRun {

    /** What a run did. */
    public record Summary(LocalDate day, int mailed, int posted, int failed, int suppressed, int skipped) {
    }

    private static final Duration CLAIM = Duration.ofMinutes(30);
    private static final Logger LOG = LoggerFactory.getLogger(TlsReportRun.class);

    private final TlsResultStore results;
    private final ReportClaims claims;
    private final TlsRptLookup tlsRpt;
    private final ReportSettings settings;
    private final ReportDelivery delivery;
    private final Clock clock;
    private final String node;

    public TlsReportRun(TlsResultStore results, ReportClaims claims, SuppressionList suppressions, TlsRptLookup tlsRpt,
                        MailetContext mailetContext, ReportSettings settings, HttpsClient https, MetricFactory metrics,
                        Clock clock, String node) {
        this.results = results;
        this.claims = claims;
        this.tlsRpt = tlsRpt;
        this.settings = settings;
        this.delivery = new ReportDelivery(new ReportMailer(mailetContext, settings, suppressions, metrics, clock),
            new ReportPoster(https, settings, metrics), suppressions, Suppression.Kind.TLS, metrics, clock);
        this.clock = clock;
        this.node = node;
    }

    /** Sends every report of {@code day} not sent yet, one after the other, pausing as {@code pacer} says. */
    public Summary run(LocalDate day, ReportRun.Pacer pacer) throws InterruptedException {
        return run(day, pacer, 1);
    }

    /**
     * Sends every report of {@code day} not sent yet, now, with {@code workers} reports built in parallel
     * (an operator's run, or a backlog); recipient domains all go before MX hosts, whose reports depend on them.
     */
    public Summary runNow(LocalDate day, int workers) throws InterruptedException {
        return run(day, ReportRun.Pacer.NONE, workers);
    }

    private Summary run(LocalDate day, ReportRun.Pacer pacer, int workers) throws InterruptedException {
        ReportRun.Tally tally = new ReportRun.Tally();
        Set<String> hosts = new LinkedHashSet<>(results.hostPolicyDomains(day));
        // Each host's rows are read once: for its recipient domains' reports and for its own.
        Map<String, List<TlsResultCount>> rowsOfHost = new HashMap<>();
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
        Set<String> recipients = new LinkedHashSet<>(results.policyDomains(day));
        recipients.removeAll(hosts);
        recipients.addAll(hostRowsByRecipient.keySet());
        recipients.remove("");
        List<String> recipientDomains = List.copyOf(recipients);
        List<String> hostsOnly = hosts.stream().filter(h -> !recipients.contains(h)).toList();
        Map<String, Optional<String>> recipientRuas = new ConcurrentHashMap<>();
        // Recipient domains all go before MX hosts: a host's report leaves out what theirs carried.
        ReportRun.run(List.of(recipientDomains, hostsOnly), workers, pacer, domain -> {
            if (!recipients.contains(domain)) {
                return send(domain, day, rowsOfHost.get(domain), false, tally, recipientRuas);
            }
            List<TlsResultCount> rows = new ArrayList<>(rowsOfHost.containsKey(domain) ? rowsOfHost.get(domain)
                : results.results(domain, day));
            hostRowsByRecipient.getOrDefault(domain, List.of()).stream()
                .filter(r -> !r.key().policyDomain().equals(domain)).forEach(rows::add);
            return send(domain, day, rows, true, tally, recipientRuas);
        });
        Summary summary = new Summary(day, tally.mailed(), tally.posted(), tally.failed(), tally.suppressed(),
            tally.skippedCount());
        LOG.info("TLS reports for {}: {}", day, summary);
        return summary;
    }

    /**
     * Claims, builds and sends one report; true when something was sent. {@code recipientRuas} remembers, for a
     * host's report, where each recipient domain's own report goes.
     */
    private boolean send(String policyDomain, LocalDate day, List<TlsResultCount> rows, boolean recipientDomain,
                         ReportRun.Tally tally, Map<String, Optional<String>> recipientRuas) {
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
                tally.skipped();
            }
            return false;
        }
        String rua = ruaKey(record);
        // A host's results for another recipient domain whose own report goes (or went, or will go once its record
        // can be read) to the same address are that report's: never twice to one address, whichever node sends first.
        // Decided once per recipient domain, not per row: each decision may read the store and DNS.
        Map<String, Boolean> theirs = new HashMap<>();
        rows = rows.stream().filter(r -> r.key().recipientDomain().equals(policyDomain)
            || !theirs.computeIfAbsent(r.key().recipientDomain(), d -> alreadyReportedTo(d, day, rua)
                || reportedByItsDomain(d, rua, recipientRuas))).toList();
        TlsReportAccumulator accumulator = TlsReportBuilder.accumulate(rows);
        if (accumulator.isEmpty() || (!accumulator.hasFailures() && !settings.sendSuccessOnly())) {
            tally.skipped();
            return false;
        }
        Instant now = clock.instant();
        if (!claims.claim(policyDomain, day, node, now.plus(CLAIM), now)) {
            return false;
        }
        TlsReport report = TlsReportBuilder.build(accumulator, settings, policyDomain, day);
        ReportDelivery.Result result = delivery.deliver(new TlsOutgoingReport(report), policyDomain,
            record.mailtoAddresses(), record.httpsEndpoints(), tally);
        if (result.done()) {
            claims.markSent(policyDomain, day, node, clock.instant(), recipientDomain, !recipientDomain,
                recipientDomain ? rua : "");
        }
        return result == ReportDelivery.Result.SENT;
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
    private boolean reportedByItsDomain(String recipientDomain, String rua, Map<String, Optional<String>> ruas) {
        if (recipientDomain.isEmpty()) {
            return false;
        }
        Optional<String> theirs = ruas.computeIfAbsent(recipientDomain, d -> {
            try {
                return Optional.of(ruaKey(tlsRpt.lookup(d)));
            } catch (RecordException e) {
                return e.kind() == RecordException.Kind.TEMPORARY_DNS ? Optional.of(rua) : Optional.empty();
            }
        });
        return theirs.map(rua::equals).orElse(false);
    }

    /** The rua of a record in a comparable form: its URIs, sorted, lower case. */
    static String ruaKey(TlsRptRecord record) {
        return record.rua().stream().map(u -> u.toString().toLowerCase(Locale.ROOT)).sorted()
            .collect(Collectors.joining(","));
    }
}
