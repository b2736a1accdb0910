package org.mailsec.reporting;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.mail.MessagingException;
import javax.mail.internet.InternetAddress;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.MailetContext;
import org.mailsec.dmarc.DmarcRecord;
import org.mailsec.dmarc.OrganizationalDomains;
import org.mailsec.dmarc.ReportDestinations;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.dmarc.report.AggregateReportXml;
import org.mailsec.dns.DnsResolver;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.record.RecordException;
import org.mailsec.record.TxtRecordLookup;
import org.mailsec.store.dmarc.DmarcReportClaims;
import org.mailsec.store.dmarc.Evaluation;
import org.mailsec.store.dmarc.Evaluations;
import org.mailsec.store.suppression.Suppression;
import org.mailsec.store.suppression.SuppressionList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the DMARC aggregate reports of the periods that end at a whole UTC hour (RFC 7489 §7.2, RFC 9990): each
 * policy domain whose interval divides the hour and that has an evaluation worth a report gets one report of all its
 * evaluations before that hour (up to 48 hours back, never before its last report's end), to the rua its record names
 * <em>now</em> and only where {@link ReportDestinations} allows. A run leases each domain in the store (one lease per
 * domain, whatever the period: two runs never read the same evaluations), records the report's id and period before
 * handing it over, and finishing it removes the evaluations it reported in the same transaction. A report recorded and
 * never finished (its node died after queueing it) is sent again by the next run, with the same id and period: that is
 * the one at-least-once case. A DNS failure keeps the evaluations for the domain's next report.
 */
public final class DmarcReportRun {

    /** What a run did. */
    public record Summary(Instant periodEnd, int mailed, int failed, int suppressed, int skipped, int postponed,
                          int tooLarge, int externalRefused) {
    }

    /** Evaluations older than this are never reported (a report covers at most two days of backlog). */
    static final Duration MAX_AGE = Duration.ofHours(48);
    /** What a DKIM-Signature field adds to a report mail after its size was compared with a {@code !size} limit. */
    private static final int SIGNATURE_ALLOWANCE = 1024;
    /** How long a run may hold a domain: far longer than one report takes; a dead run's lease then expires. */
    private static final Duration CLAIM = Duration.ofMinutes(30);
    private static final Logger LOG = LoggerFactory.getLogger(DmarcReportRun.class);

    private final Evaluations evaluations;
    private final DmarcReportClaims claims;
    private final DnsResolver resolver;
    private final ReportDestinations destinations;
    private final ReportSettings settings;
    private final DmarcReportBuilder.Identity identity;
    private final DmarcReportBuilder.Format format;
    private final ReportDelivery delivery;
    private final MetricFactory metrics;
    private final Clock clock;
    private final String node;

    public DmarcReportRun(Evaluations evaluations, DmarcReportClaims claims, SuppressionList suppressions, DnsResolver resolver,
                          MailetContext mailetContext, ReportSettings settings, boolean rfc7489Format, String generator,
                          MetricFactory metrics, Clock clock, String node) {
        this.evaluations = evaluations;
        this.claims = claims;
        this.resolver = resolver;
        this.destinations = new ReportDestinations(resolver, OrganizationalDomains.guavaWithPrivateSuffixes());
        this.settings = settings;
        this.identity = new DmarcReportBuilder.Identity(settings.organization(), settings.from(), settings.contact(), generator);
        this.format = rfc7489Format ? DmarcReportBuilder.Format.RFC7489 : DmarcReportBuilder.Format.RFC9990;
        this.delivery = new ReportDelivery(new ReportMailer(mailetContext, settings, suppressions, metrics, clock),
            // DMARC reports are only mailed (DmarcOutgoingReport has no post): the poster never runs.
            new ReportPoster(null, settings, metrics), suppressions, Suppression.Kind.DMARC, metrics, clock);
        this.metrics = metrics;
        this.clock = clock;
        this.node = node;
    }

    /** The whole UTC hour at or before {@code instant}: the end of the periods a run at that time sends. */
    public static Instant periodEndAt(Instant instant) {
        return instant.truncatedTo(ChronoUnit.HOURS);
    }

    /** Whether a domain asking for reports every {@code intervalHours} has a period ending at {@code end}. */
    static boolean endsAt(int intervalHours, Instant end) {
        int hour = end.atOffset(ZoneOffset.UTC).getHour();
        return intervalHours >= 1 && hour % intervalHours == 0;
    }

    /** Sends the reports of the periods ending at {@code end}, {@code workers} built at once, paced by {@code pacer}. */
    public Summary run(Instant end, ReportRun.Pacer pacer, int workers) throws InterruptedException {
        Instant periodEnd = periodEndAt(end);
        Counts counts = new Counts();
        // Each run holds its own leases: the hourly job and an operator's run on one node never share one.
        String holder = node + "/" + UUID.randomUUID().toString().substring(0, 8);
        // Past 48 hours an evaluation is in no report: every domain's period is at most a day, so it missed two.
        evaluations.deleteBefore(periodEnd.minus(MAX_AGE));
        List<String> due = evaluations.pending(periodEnd).stream().filter(p -> endsAt(p.intervalHours(), periodEnd))
            .map(Evaluations.Pending::policyDomain).toList();
        ReportRun.run(List.of(due), workers, pacer, domain -> send(domain, periodEnd, holder, counts));
        Summary summary = new Summary(periodEnd, counts.tally.mailed(), counts.tally.failed(), counts.tally.suppressed(),
            counts.tally.skippedCount(), counts.postponed.get(), counts.tooLarge.get(), counts.externalRefused.get());
        LOG.info("DMARC reports for periods ending {}: {}", periodEnd, summary);
        return summary;
    }

    /** A run's counts beyond ReportRun's. */
    private static final class Counts {
        final ReportRun.Tally tally = new ReportRun.Tally();
        final AtomicInteger postponed = new AtomicInteger();
        final AtomicInteger tooLarge = new AtomicInteger();
        final AtomicInteger externalRefused = new AtomicInteger();
    }

    /**
     * One domain under its lease: first a report recorded by an earlier run and never finished (sent again with its id
     * and period), then this period's. The lease is given up whatever happens; a store or build failure keeps the
     * evaluations for the next run.
     */
    private boolean send(String domain, Instant end, String holder, Counts counts) {
        try {
            Instant now = clock.instant();
            if (!claims.lease(domain, holder, now.plus(CLAIM), now)) {
                return false;
            }
        } catch (RuntimeException e) {
            LOG.warn("DMARC reports of {}: no lease now: {}", domain, e.getMessage());
            counts.tally.failed.incrementAndGet();
            return false;
        }
        try {
            boolean sent = false;
            // Reports handed over and never finished first, each as it was: until they are, their evaluations are
            // theirs, and a new report would carry them a second time under another id.
            for (DmarcReportClaims.State recorded : claims.unfinished(domain)) {
                sent |= report(domain, recorded.periodEnd(), Optional.of(recorded), holder, counts);
                if (claims.state(domain, recorded.periodEnd()).map(st -> st.doneAt() == null).orElse(true)) {
                    return sent;
                }
            }
            // A period at or before the latest one recorded is covered (an operator's run of a past hour).
            if (claims.latestPeriodEnd(domain).filter(latest -> !latest.isBefore(end)).isPresent()) {
                return sent;
            }
            return report(domain, end, Optional.empty(), holder, counts) || sent;
        } catch (RuntimeException e) {
            LOG.warn("DMARC report for {} ending {} not sent; its evaluations wait for the next run", domain, end, e);
            metrics.generate(MailsecMetrics.sent("dmarc", "failed")).increment();
            counts.tally.failed.incrementAndGet();
            return false;
        } finally {
            claims.release(domain, holder);
        }
    }

    /** The report of the period ending {@code end}: new, or {@code recorded} before and sent again as it was. */
    private boolean report(String domain, Instant end, Optional<DmarcReportClaims.State> recorded, String holder,
                           Counts counts) {
        if (claims.state(domain, end).map(st -> st.doneAt() != null).orElse(false)) {
            return false;
        }
        List<Evaluation> reported = evaluations.forDomain(domain, end);
        List<Long> ids = reported.stream().map(Evaluation::id).toList();
        if (reported.isEmpty()) {
            // A recorded report whose evaluations are gone (dropped at 48 hours): nothing is left to send again.
            recorded.ifPresent(r -> claims.finish(domain, end, holder, DmarcReportClaims.Outcome.SENT, ids, clock.instant()));
            return false;
        }
        Instant begin = recorded.map(DmarcReportClaims.State::periodBegin)
            .orElseGet(() -> begin(reported, end, claims.latestPeriodEnd(domain)));
        String reportId = recorded.map(DmarcReportClaims.State::reportId).orElseGet(() -> reportId(domain, end));
        DmarcRecord record;
        try {
            record = TxtRecordLookup.findAndParse(resolver, "_dmarc." + domain, DmarcRecord::looksLikeDmarc, "DMARC",
                DmarcRecord::parse);
        } catch (RecordException e) {
            if (e.kind() == RecordException.Kind.TEMPORARY_DNS) {
                return postpone(domain, end, counts, e.getMessage());
            }
            // The record is gone (or unusable): the domain no longer asks for reports; its evaluations go.
            LOG.info("DMARC report for {} ending {}: no usable record any more ({}); {} evaluations dropped", domain, end,
                e.getMessage(), ids.size());
            counts.tally.skipped();
            finishUnsent(domain, end, begin, reportId, holder, DmarcReportClaims.Outcome.NO_RECORD, ids);
            return false;
        }
        List<DmarcRecord.ReportUri> usable = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        // RFC 9990 §4 step 5 lets an undecided external destination wait; not for ever: past a day the others go.
        boolean mayWait = reported.get(0).evaluated().isAfter(end.minus(Duration.ofHours(24)));
        for (ReportDestinations.Decision decision : destinations.decide(domain, record.aggregateUris())) {
            if (decision instanceof ReportDestinations.Decision.Use use) {
                usable.addAll(use.uris());
            } else if (decision instanceof ReportDestinations.Decision.Refuse refuse) {
                errors.add(refuse.why());
                counts.externalRefused.incrementAndGet();
                metrics.generate(MailsecMetrics.sent("dmarc", "external_refused")).increment();
                LOG.info("DMARC report for {}: {}", domain, refuse.why());
            } else if (decision instanceof ReportDestinations.Decision.Later later) {
                if (mayWait) {
                    // Sending to the others now and to this one later would send them this report twice.
                    return postpone(domain, end, counts, later.why());
                }
                errors.add(later.why());
                LOG.info("DMARC report for {}: {}; the other destinations get it without waiting longer", domain, later.why());
            }
        }
        AggregateReport report = DmarcReportBuilder.build(domain, reported, begin, end, reportId, identity, errors, format);
        DmarcOutgoingReport outgoing = new DmarcOutgoingReport(report, AggregateReportXml.write(report,
            format == DmarcReportBuilder.Format.RFC9990));
        List<String> addresses = fitting(outgoing, domain, reportId, usable, counts);
        if (addresses.isEmpty()) {
            LOG.info("DMARC report {} for {} ending {}: no destination takes it; {} evaluations dropped", reportId, domain, end,
                ids.size());
            counts.tally.skipped();
            finishUnsent(domain, end, begin, reportId, holder, DmarcReportClaims.Outcome.NO_DESTINATION, ids);
            return false;
        }
        Instant now = clock.instant();
        if (!claims.record(domain, end, begin, reportId, holder, now.plus(CLAIM), now)) {
            // The lease expired (this run was too slow): another run has the domain and sends its reports.
            return false;
        }
        ReportDelivery.Result result = delivery.deliver(outgoing, domain, addresses, List.of(), counts.tally);
        switch (result) {
            case SENT -> finishSent(domain, end, reportId, holder, ids);
            case NOTHING_TO_TRY -> claims.finish(domain, end, holder, DmarcReportClaims.Outcome.NO_DESTINATION, ids,
                clock.instant());
            // James did not take the mail: the recorded report goes again, as it is, in the next run.
            case FAILED -> LOG.info("DMARC report {} for {} not queued; sent again by the next run", reportId, domain);
        }
        return result == ReportDelivery.Result.SENT;
    }

    /**
     * The addresses of {@code usable} whose {@code !size} the report mail fits, measured as it will leave: to all of them
     * at once (the largest To: field), gzip, base64, MIME, and room for the DKIM signature (RFC 9990 §3).
     */
    private List<String> fitting(DmarcOutgoingReport outgoing, String domain, String reportId,
                                 List<DmarcRecord.ReportUri> usable, Counts counts) {
        List<String> all = usable.stream().map(DmarcRecord.ReportUri::address).toList();
        long size = usable.stream().anyMatch(u -> u.maxBytes().isPresent()) ? mailSize(outgoing, domain, all) : -1;
        List<String> addresses = new ArrayList<>();
        for (DmarcRecord.ReportUri uri : usable) {
            if (uri.maxBytes().isPresent() && size > uri.maxBytes().get()) {
                counts.tooLarge.incrementAndGet();
                metrics.generate(MailsecMetrics.sent("dmarc", "too_large")).increment();
                LOG.info("DMARC report {} for {}: {} bytes, more than {} takes ({} bytes)", reportId, domain, size, uri.uri(),
                    uri.maxBytes().get());
                continue;
            }
            addresses.add(uri.address());
        }
        return addresses;
    }

    /** Ends a period without a report: recorded and finished at once, its evaluations dropped. */
    private void finishUnsent(String domain, Instant end, Instant begin, String reportId, String holder,
                              DmarcReportClaims.Outcome outcome, List<Long> ids) {
        Instant now = clock.instant();
        if (claims.record(domain, end, begin, reportId, holder, now.plus(CLAIM), now)) {
            claims.finish(domain, end, holder, outcome, ids, clock.instant());
        }
    }

    /**
     * A report James took is never made again under another id: finishing is tried until it holds, and if the store
     * refuses for good the period stays recorded and unfinished, so the next run sends the same report again.
     */
    private void finishSent(String domain, Instant end, String reportId, String holder, List<Long> ids) {
        for (int attempt = 1; attempt <= 3; attempt++) {
            try {
                if (claims.finish(domain, end, holder, DmarcReportClaims.Outcome.SENT, ids, clock.instant())
                        || claims.state(domain, end).map(st -> st.doneAt() != null).orElse(false)) {
                    // (Finished, also when an earlier attempt committed and only its answer was lost.)
                    return;
                }
                break;
            } catch (RuntimeException e) {
                LOG.warn("DMARC report {} for {} sent, but not marked so (attempt {}): {}", reportId, domain, attempt,
                    e.getMessage());
                sleepQuietly(Duration.ofSeconds(attempt));
            }
        }
        LOG.error("DMARC report {} for {} ending {} was sent but its period is not finished: the next run sends it again, "
            + "with the same report id", reportId, domain, end);
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean postpone(String domain, Instant end, Counts counts, String why) {
        LOG.info("DMARC report for {} ending {} postponed to its next period: {}", domain, end, why);
        counts.postponed.incrementAndGet();
        return false;
    }

    /**
     * The report's begin: its interval before {@code end}, or earlier when evaluations a failed or postponed run left are
     * older (they go into this report, never into two), but never before the end of the domain's last report: periods
     * do not overlap (RFC 9990 §2.1).
     */
    private static Instant begin(List<Evaluation> reported, Instant end, Optional<Instant> latestPeriodEnd) {
        int hours = reported.stream().mapToInt(Evaluation::intervalHours).min().orElse(24);
        Instant begin = end.minus(Duration.ofHours(Math.max(1, hours)));
        Instant oldest = reported.isEmpty() ? begin : reported.get(0).evaluated().truncatedTo(ChronoUnit.HOURS);
        Instant earliest = oldest.isBefore(begin) ? oldest : begin;
        return latestPeriodEnd.filter(earliest::isBefore).orElse(earliest);
    }

    /**
     * A report id unique per policy domain and period, the same if the report is ever sent again: 32 hex digits of a
     * hash of both (letters and digits only, so it can be the file name's unique-id, RFC 9990 §3).
     */
    static String reportId(String domain, Instant end) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((domain + "|" + end.getEpochSecond())
                .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The size of the report mail as it will leave (headers, MIME, base64 of the gzip), signature allowed for. */
    private long mailSize(DmarcOutgoingReport outgoing, String domain, List<String> to) {
        try {
            List<InternetAddress> recipients = new ArrayList<>();
            for (String address : to) {
                recipients.add(new InternetAddress(address, false));
            }
            javax.mail.internet.MimeMessage message = outgoing.mail(org.mailsec.tlsrpt.TlsReportMail.session(),
                new InternetAddress(settings.from()), recipients, settings.submitter(), domain);
            long[] count = {0};
            message.writeTo(new OutputStream() {
                @Override
                public void write(int b) {
                    count[0]++;
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    count[0] += len;
                }
            });
            return count[0] + SIGNATURE_ALLOWANCE;
        } catch (MessagingException | IOException e) {
            throw new IllegalStateException("cannot compose the DMARC report of " + domain, e);
        }
    }
}
