package org.mailsec.intake;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.james.metrics.api.MetricFactory;
import org.mailsec.io.RejectedInputException;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.store.StoreException;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.store.rejected.RejectedReports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way in for reports other systems send us, by mail or by HTTPS: read them, check a mail's DKIM alignment,
 * keep those about us, store each once. Every report not stored is refused with a reason that goes to the log, a
 * metric ({@code mailsec_{tls,dmarc}_reports_rejected}, the same for both ways in) and a row the operator reads
 * under {@code /mailsec/{tls,dmarc}-reports/rejected}. Whatever a hostile input makes the readers throw is a
 * refusal, never an exception to the caller.
 *
 * @param <R> the kind of report
 */
public final class ReportIntake<R> {

    /**
     * Which reports are kept.
     *
     * @param onlyOurDomains     only reports about James's domains, names below them and the extra hosts
     * @param requireAlignedDkim a mail without an aligned DKIM pass is refused rather than stored as unauthenticated
     */
    public record Rules(boolean onlyOurDomains, boolean requireAlignedDkim) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(ReportIntake.class);

    private final ReportFormat<R> format;
    private final Rules rules;
    private final OurNames ourNames;
    private final DkimAlignment dkim;
    private final RejectedReports rejectedReports;
    private final MetricFactory metrics;
    private final Clock clock;

    /** {@code dkim} may be null for an intake that takes posts only: nothing is verified, all is unauthenticated. */
    public ReportIntake(ReportFormat<R> format, Rules rules, OurNames ourNames, DkimAlignment dkim,
                        RejectedReports rejectedReports, MetricFactory metrics, Clock clock) {
        this.format = format;
        this.rules = rules;
        this.ourNames = ourNames;
        this.dkim = dkim;
        this.rejectedReports = rejectedReports;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Takes the reports in {@code bytes} (a whole mail, or a posted body) as they arrived. */
    public IntakeResult accept(byte[] bytes, Arrival arrival) {
        List<R> read;
        try {
            read = format.read(bytes, arrival.fileName());
        } catch (RejectedInputException e) {
            return refusedWhole(arrival, IntakeResult.Cause.UNREADABLE, e.getMessage(), Optional.empty());
        } catch (RuntimeException e) {
            LOG.warn("{} report in {} made the reader fail", format.kind(), arrival.name(), e);
            return refusedWhole(arrival, IntakeResult.Cause.UNREADABLE, unreadable(arrival, e), Optional.empty());
        }
        Optional<DkimAlignment.Verdict> verdict = arrival.channel().signed() && dkim != null
            ? Optional.of(authenticate(bytes, arrival.fromHeader())) : Optional.empty();
        boolean aligned = verdict.map(DkimAlignment.Verdict::aligned).orElse(false);
        if (rules.requireAlignedDkim() && verdict.isPresent() && !aligned) {
            return refusedWhole(arrival, IntakeResult.Cause.UNAUTHENTICATED,
                "no aligned DKIM pass (" + verdict.get().detail() + ")", verdict);
        }
        try {
            return store(read, arrival, verdict, aligned);
        } catch (RuntimeException e) {
            // Whatever else a hostile report makes the store or a reader's model throw: refused, the verdict kept.
            LOG.warn("{} report in {} could not be stored", format.kind(), arrival.name(), e);
            return refusedWhole(arrival, IntakeResult.Cause.UNREADABLE, unreadable(arrival, e), verdict);
        }
    }

    private IntakeResult store(List<R> read, Arrival arrival, Optional<DkimAlignment.Verdict> verdict, boolean aligned) {
        List<String> ids = new ArrayList<>();
        List<IntakeResult.Refusal> refusals = new ArrayList<>();
        int duplicates = 0;
        for (R report : read) {
            List<String> about = format.about(report);
            if (rules.onlyOurDomains() && about.stream().noneMatch(ourNames::contains)) {
                refusals.add(refuse(arrival, IntakeResult.Cause.NOT_OURS,
                    format.describe(report) + " is about no domain of ours (" + summary(about) + ")"));
                continue;
            }
            Optional<Long> id;
            try {
                id = format.store(report, arrival, !aligned, clock.instant());
            } catch (StoreException e) {
                refusals.add(storeFailed(arrival, report, e));
                continue;
            }
            if (id.isPresent()) {
                ids.add(String.valueOf(id.get()));
                count("received");
                LOG.info("{} about {} from {} stored as {} ({})", format.describe(report), summary(about), arrival.name(),
                    id.get(), verdict.map(DkimAlignment.Verdict::detail).orElse("unauthenticated"));
            } else {
                duplicates++;
                count("duplicate");
                LOG.info("{} was already stored", format.describe(report));
            }
        }
        return new IntakeResult(ids, duplicates, refusals, verdict);
    }

    /**
     * Refuses the whole arrival for a reason found before its reports could be read (a mail or post too large, a
     * post's content type): logged, counted and kept as a row, like the intake's own refusals.
     */
    public IntakeResult refuse(Arrival arrival, String why) {
        return refusedWhole(arrival, IntakeResult.Cause.UNREADABLE, why, Optional.empty());
    }

    private IntakeResult.Refusal refuse(Arrival arrival, IntakeResult.Cause cause, String why) {
        count("rejected");
        LOG.info("{} report in {}{} not stored: {}", format.kind(), arrival.name(),
            arrival.sender().isEmpty() ? "" : " from " + arrival.sender(), why);
        try {
            rejectedReports.add(RejectedReport.of(format.kind(), clock.instant(), arrival.name(), arrival.messageId(),
                arrival.sender(), arrival.subject(), why));
        } catch (RuntimeException e) {
            LOG.warn("cannot record why {} report in {} was not stored: {}", format.kind(), arrival.name(), e.getMessage());
        }
        return new IntakeResult.Refusal(cause, why);
    }

    private IntakeResult.Refusal storeFailed(Arrival arrival, R report, StoreException e) {
        if (arrival.channel().senderRetries()) {
            LOG.warn("{} in {} not stored, the sender may retry: {}", format.describe(report), arrival.name(), e.getMessage());
            return new IntakeResult.Refusal(IntakeResult.Cause.STORE_UNAVAILABLE, "the report cannot be stored now; try again later");
        }
        // The store is down or refuses: the mail still reaches the mailbox, where the report can be read.
        return refuse(arrival, IntakeResult.Cause.STORE_REFUSED, "the store refused " + format.describe(report) + ": " + e.getMessage());
    }

    /**
     * Why an input could not be read. A poster is told the exception's class only: its message may quote the hostile
     * body back to an unauthenticated client. A mail's refusal (read by the operator) keeps the message.
     */
    private static String unreadable(Arrival arrival, RuntimeException e) {
        return arrival.channel() == Arrival.Channel.HTTPS ? "unreadable report (" + e.getClass().getSimpleName() + ")"
            : "unreadable: " + e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private IntakeResult refusedWhole(Arrival arrival, IntakeResult.Cause cause, String why,
                                      Optional<DkimAlignment.Verdict> verdict) {
        return new IntakeResult(List.of(), 0, List.of(refuse(arrival, cause, why)), verdict);
    }

    private DkimAlignment.Verdict authenticate(byte[] raw, String fromHeader) {
        DkimAlignment.Verdict verdict = dkim.check(raw, fromHeader);
        count(verdict.aligned() ? "dkim_aligned" : "dkim_unaligned");
        return verdict;
    }

    private void count(String event) {
        metrics.generate(MailsecMetrics.received(format.kind() == RejectedReport.Kind.TLS ? "tls" : "dmarc", event))
            .increment();
    }

    /** A few names as they are; a long list as its first names and a count (logs and reasons stay short). */
    static String summary(List<String> names) {
        if (names.size() <= 3) {
            return String.join(", ", names);
        }
        return String.join(", ", names.subList(0, 3)) + " and " + (names.size() - 3) + " more";
    }
}
