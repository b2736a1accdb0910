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
 * evaluations before that hour (up to 48 hours back), to the rua its record names <em>now</em> and only where
 * {@link ReportDestinations} allows. Each (policy domain, period end) is claimed in the store, and finishing it
 * removes the evaluations it reported in the same transaction: among nodes sharing a store each report goes once,
 * and a node that dies between queueing and finishing is the one at-least-once case (the report then goes again,
 * with the same report id). A DNS failure keeps the evaluations for the domain's next report.
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
        // Past 48 hours an evaluation is in no report: every domain's period is at most a day, so it missed two.
        evaluations.deleteBefore(periodEnd.minus(MAX_AGE));
        List<String> due = evaluations.pending(periodEnd).stream().filter(p -> endsAt(p.intervalHours(), periodEnd))
            .map(Evaluations.Pending::policyDomain).toList();
        ReportRun.run(List.of(due), workers, pacer, domain -> send(domain, periodEnd, counts));
        Summary summary = new Summary(periodEnd, counts.tally.mailed(), counts.tally.failed(), counts.tally.suppressed(),
            counts.tally.skippedCount(), counts.postponed.get(), counts.tooLarge.get(), counts.externalRefused.get());
        LOG.info("DMARC reports for periods ending {}: {}", periodEnd, summary);
        return summary;
    }

    /** A run's counts beyond ReportRun's. */
    private static final class Counts {
        final ReportRun.Tally tally = new ReportRun.Tally();
        final java.util.concurrent.atomic.AtomicInteger postponed = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger tooLarge = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger externalRefused = new java.util.concurrent.atomic.AtomicInteger();
    }

    private boolean send(String domain, Instant end, Counts counts) {
        Instant now = clock.instant();
        if (!claims.claim(domain, end, node, now.plus(CLAIM), now)) {
            return false;
        }
        try {
            return sendClaimed(domain, end, counts);
        } catch (RuntimeException e) {
            // Whatever broke (the store, a report that cannot be built), the evaluations stay for the next run.
            LOG.warn("DMARC report for {} ending {} not sent", domain, end, e);
            metrics.generate(MailsecMetrics.sent("dmarc", "failed")).increment();
            claims.release(domain, end, node);
            return false;
        }
    }

    private boolean sendClaimed(String domain, Instant end, Counts counts) {
        List<Evaluation> reported = evaluations.forDomain(domain, end);
        List<Long> ids = reported.stream().map(Evaluation::id).toList();
        Instant begin = begin(reported, end);
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
            claims.finish(domain, end, node, DmarcReportClaims.Outcome.NO_RECORD, begin, "", ids, clock.instant());
            return false;
        }
        List<DmarcRecord.ReportUri> usable = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (ReportDestinations.Decision decision : destinations.decide(domain, record.aggregateUris())) {
            if (decision instanceof ReportDestinations.Decision.Use use) {
                usable.add(use.uri());
            } else if (decision instanceof ReportDestinations.Decision.Refuse refuse) {
                errors.add(refuse.why());
                counts.externalRefused.incrementAndGet();
                metrics.generate(MailsecMetrics.sent("dmarc", "external_refused")).increment();
                LOG.info("DMARC report for {}: {}", domain, refuse.why());
            } else if (decision instanceof ReportDestinations.Decision.Later later) {
                // Sending to the others now and to this one later would send them this report twice.
                return postpone(domain, end, counts, later.why());
            }
        }
        String reportId = reportId(domain, end);
        AggregateReport report = DmarcReportBuilder.build(domain, reported, begin, end, reportId, identity, errors, format);
        DmarcOutgoingReport outgoing = new DmarcOutgoingReport(report, AggregateReportXml.write(report,
            format == DmarcReportBuilder.Format.RFC9990));
        List<String> addresses = new ArrayList<>();
        long size = -1;
        for (DmarcRecord.ReportUri uri : usable) {
            if (uri.maxBytes().isPresent()) {
                size = size >= 0 ? size : mailSize(outgoing, domain);
                if (size > uri.maxBytes().get()) {
                    // RFC 9990 §3: a limit compares with the report as sent (gzip, base64, MIME), not with its XML.
                    counts.tooLarge.incrementAndGet();
                    metrics.generate(MailsecMetrics.sent("dmarc", "too_large")).increment();
                    LOG.info("DMARC report {} for {}: {} bytes, more than {} takes ({} bytes)", reportId, domain, size,
                        uri.uri(), uri.maxBytes().get());
                    continue;
                }
            }
            addresses.add(uri.address());
        }
        if (addresses.isEmpty()) {
            LOG.info("DMARC report {} for {} ending {}: no destination takes it; {} evaluations dropped", reportId, domain, end,
                ids.size());
            counts.tally.skipped();
            claims.finish(domain, end, node, DmarcReportClaims.Outcome.NO_DESTINATION, begin, reportId, ids, clock.instant());
            return false;
        }
        ReportDelivery.Result result = delivery.deliver(outgoing, domain, addresses, List.of(), counts.tally);
        switch (result) {
            case SENT -> claims.finish(domain, end, node, DmarcReportClaims.Outcome.SENT, begin, reportId, ids, clock.instant());
            case NOTHING_TO_TRY -> claims.finish(domain, end, node, DmarcReportClaims.Outcome.NO_DESTINATION, begin, reportId,
                ids, clock.instant());
            // James did not take the mail: the evaluations stay and go into the domain's next report.
            case FAILED -> claims.release(domain, end, node);
        }
        return result == ReportDelivery.Result.SENT;
    }

    private boolean postpone(String domain, Instant end, Counts counts, String why) {
        LOG.info("DMARC report for {} ending {} postponed to its next period: {}", domain, end, why);
        counts.postponed.incrementAndGet();
        claims.release(domain, end, node);
        return false;
    }

    /**
     * The report's begin: its interval before {@code end}, or earlier when evaluations a failed run left are older
     * (they go into this report, RFC 9990 §2.1's "reporting period" extended, never into two).
     */
    private static Instant begin(List<Evaluation> reported, Instant end) {
        int hours = reported.stream().mapToInt(Evaluation::intervalHours).min().orElse(24);
        Instant begin = end.minus(Duration.ofHours(Math.max(1, hours)));
        Instant oldest = reported.isEmpty() ? begin : reported.get(0).evaluated().truncatedTo(ChronoUnit.HOURS);
        return oldest.isBefore(begin) ? oldest : begin;
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
    private long mailSize(DmarcOutgoingReport outgoing, String domain) {
        try {
            javax.mail.internet.MimeMessage message = outgoing.mail(org.mailsec.tlsrpt.TlsReportMail.session(),
                new InternetAddress(settings.from()), List.of(new InternetAddress(settings.from())), settings.submitter(), domain);
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
