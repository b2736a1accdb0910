package org.mailsec.tlsrpt;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mailsec.tlsrpt.TlsReport.FailureDetail;
import org.mailsec.tlsrpt.TlsReport.Policy;
import org.mailsec.tlsrpt.TlsReport.PolicyResult;

/**
 * Collects the outcomes of one UTC day for one policy domain and builds the report: outcomes of the same
 * policy are merged into one entry, equal failure rows into one row with the summed count.
 * Not thread-safe: the daily job fills one accumulator per report.
 */
public final class TlsReportAccumulator {

    private final Map<Policy, Counts> byPolicy = new LinkedHashMap<>();

    private static final class Counts {
        long success;
        long failure;
        final Map<FailureDetail, Long> details = new LinkedHashMap<>();
    }

    public TlsReportAccumulator addSuccess(Policy policy, long sessions) {
        byPolicy.computeIfAbsent(policy, p -> new Counts()).success += sessions;
        return this;
    }

    /** Adds {@code failure.failedSessionCount()} failed sessions, merged with equal rows. */
    public TlsReportAccumulator addFailure(Policy policy, FailureDetail failure) {
        Counts counts = byPolicy.computeIfAbsent(policy, p -> new Counts());
        counts.failure += failure.failedSessionCount();
        counts.details.merge(failure.withCount(0), failure.failedSessionCount(), Long::sum);
        return this;
    }

    /** Adds an already summarised policy result (e.g. from another node or another report). */
    public TlsReportAccumulator add(PolicyResult result) {
        addSuccess(result.policy(), result.successCount());
        Counts counts = byPolicy.get(result.policy());
        long detailed = 0;
        for (FailureDetail d : result.failureDetails()) {
            counts.details.merge(d.withCount(0), d.failedSessionCount(), Long::sum);
            detailed += d.failedSessionCount();
        }
        counts.failure += Math.max(result.failureCount(), detailed);
        return this;
    }

    public boolean isEmpty() {
        return byPolicy.isEmpty();
    }

    /** True when some session failed: days with only successes are not reported by default. */
    public boolean hasFailures() {
        return byPolicy.values().stream().anyMatch(c -> c.failure > 0);
    }

    /** The report for {@code day}, covering 00:00:00Z to 23:59:59Z as RFC 8460 §4.1 senders commonly do. */
    public TlsReport build(String organizationName, String contactInfo, String reportId, LocalDate day) {
        List<PolicyResult> results = new ArrayList<>();
        byPolicy.forEach((policy, counts) -> {
            List<FailureDetail> details = new ArrayList<>();
            counts.details.forEach((row, count) -> details.add(row.withCount(count)));
            results.add(new PolicyResult(policy, counts.success, counts.failure, details));
        });
        Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant();
        return new TlsReport(organizationName, start, start.plusSeconds(86_399), contactInfo, reportId, results);
    }
}
