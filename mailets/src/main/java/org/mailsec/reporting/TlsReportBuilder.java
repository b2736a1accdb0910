package org.mailsec.reporting;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mailsec.store.tls.TlsResultCount;
import org.mailsec.store.tls.TlsResultKey;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportAccumulator;

/**
 * Turns a day's counted outcomes into RFC 8460 report contents. A recipient domain's report carries its
 * MTA-STS (or no-policy) results and the DANE results of its MX hosts; an MX host's own report carries
 * its DANE results, with the recipient domain as policy-domain and the host in mx-host (as mox does).
 * Deliveries of reports are never reported.
 */
public final class TlsReportBuilder {

    private TlsReportBuilder() {
    }

    /** The accumulated policies of {@code rows}, leaving out report deliveries. */
    public static TlsReportAccumulator accumulate(List<TlsResultCount> rows) {
        TlsReportAccumulator accumulator = new TlsReportAccumulator();
        for (TlsResultCount row : rows) {
            TlsResultKey k = row.key();
            if (k.reportDelivery()) {
                continue;
            }
            TlsReport.Policy policy = policy(k);
            if (k.success()) {
                accumulator.addSuccess(policy, row.sessions());
            } else {
                accumulator.addFailure(policy, new TlsReport.FailureDetail(k.resultType(), emptyToNull(k.sendingIp()),
                    emptyToNull(k.receivingMxHostname()), emptyToNull(k.receivingMxHelo()), emptyToNull(k.receivingIp()),
                    row.sessions(), null, emptyToNull(k.failureReasonCode())));
            }
        }
        return accumulator;
    }

    /** Rows of MX-host policy domains grouped by the recipient domain they were counted for. */
    public static Map<String, List<TlsResultCount>> byRecipientDomain(List<TlsResultCount> hostRows) {
        Map<String, List<TlsResultCount>> grouped = new LinkedHashMap<>();
        for (TlsResultCount row : hostRows) {
            grouped.computeIfAbsent(row.key().recipientDomain(), d -> new ArrayList<>()).add(row);
        }
        return grouped;
    }

    public static TlsReport build(TlsReportAccumulator accumulator, ReportSettings settings, String policyDomain, LocalDate day) {
        String reportId = day + "_" + policyDomain + "@" + settings.submitter();
        return accumulator.build(settings.organization(), settings.contact(), reportId, day);
    }

    private static TlsReport.Policy policy(TlsResultKey k) {
        // DANE rows are stored under the MX host; reports name the recipient domain and list the host.
        String domain = k.isHost() && !k.recipientDomain().isEmpty() ? k.recipientDomain() : k.policyDomain();
        List<String> mxHosts = new ArrayList<>();
        if (k.isHost()) {
            mxHosts.add(k.policyDomain());
        } else if (!k.mxHostPattern().isEmpty()) {
            mxHosts.addAll(List.of(k.mxHostPattern().split(" ")));
        }
        return new TlsReport.Policy(k.policyType(), k.policyStrings(), domain, mxHosts);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
