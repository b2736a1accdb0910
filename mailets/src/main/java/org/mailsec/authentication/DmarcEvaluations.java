package org.mailsec.authentication;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.mailsec.dmarc.DmarcRecord;
import org.mailsec.dmarc.DmarcVerifier;
import org.mailsec.dmarc.OrganizationalDomains;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.store.dmarc.Evaluation;

/**
 * The evaluations a verdict leaves for the aggregate reports of its policy domain (RFC 7489 §7.2, RFC 9990): one per
 * recipient domain of the message, only when the policy asks for reports ({@code rua}), with the fields mox's
 * evaluations carry.
 */
public final class DmarcEvaluations {

    /** RFC 9990 §2.1: at most 100 DKIM results per record. */
    static final int MAX_DKIM_RESULTS = 100;
    /** RFC 7489 §7.2: report intervals are whole hours dividing a day; other values snap down to one of these. */
    private static final int[] INTERVALS = {24, 12, 8, 6, 4, 3, 2, 1};

    private final OrganizationalDomains organizationalDomains;

    public DmarcEvaluations(OrganizationalDomains organizationalDomains) {
        this.organizationalDomains = organizationalDomains;
    }

    /**
     * The evaluations of a message from {@code sourceIp}, MAIL FROM {@code envelopeFrom}, to {@code recipientDomains},
     * given the disposition applied; empty when there is no policy, or it asks for no aggregate report.
     *
     * @param optional included in a report but never the reason to send one (RFC 7489 §7.2 lets a receiver choose:
     *                 mail to our own report addresses, and rejects of domains we have had no other contact with)
     */
    public List<Evaluation> of(MessageAuthentication.Verdict verdict, String sourceIp, String envelopeFrom,
                               Set<String> recipientDomains, String applied, List<AggregateReport.Reason> overrides,
                               boolean optional, Instant now) {
        DmarcVerifier.Result dmarc = verdict.dmarc();
        if (dmarc.record().isEmpty() || dmarc.record().get().aggregateUris().isEmpty()) {
            return List.of();
        }
        DmarcRecord record = dmarc.record().get();
        List<String> addresses = record.aggregateUris().stream()
            .map(u -> u.uri().toString() + u.maxBytes().map(b -> "!" + b).orElse("")).toList();
        AggregateReport.PolicyPublished published = new AggregateReport.PolicyPublished(dmarc.recordDomain(),
            record.dkimAlignment().value(), record.spfAlignment().value(), record.policy().value(),
            record.subdomainPolicy().value(), record.explicitTags().contains("np") ? record.nonExistentPolicy().value() : null,
            record.percent(), String.join(":", record.failureOptions()), record.testing() ? "y" : "n", "psl");
        List<AggregateReport.Reason> reasons = new ArrayList<>();
        if (dmarc.sampledOut()) {
            reasons.add(new AggregateReport.Reason(record.testing() ? "policy_test_mode" : "sampled_out", ""));
        }
        reasons.addAll(overrides);
        List<AggregateReport.SpfAuth> spf = List.of(new AggregateReport.SpfAuth(verdict.mailFrom().domain(),
            envelopeFrom.isEmpty() ? "helo" : "mfrom",
            verdict.mailFrom().result().value()));
        List<AggregateReport.DkimAuth> dkim = dkimResults(verdict);
        List<Evaluation> evaluations = new ArrayList<>();
        for (String recipientDomain : new LinkedHashSet<>(recipientDomains)) {
            evaluations.add(new Evaluation(0, dmarc.recordDomain(), now, intervalHours(record.reportInterval()), addresses,
                published, optional, sourceIp, applied, dmarc.dkimAligned(), dmarc.spfAligned(), reasons, recipientDomain,
                domainOf(envelopeFrom), verdict.fromDomain(), dkim, spf));
        }
        return evaluations;
    }

    /** ri seconds rounded up to hours, snapped down to a divisor of 24; no ri (RFC 9989) means daily. */
    static int intervalHours(long seconds) {
        long hours = seconds <= 0 ? 24 : (seconds + 3599) / 3600;
        for (int interval : INTERVALS) {
            if (hours >= interval) {
                return interval;
            }
        }
        return 1;
    }

    /** RFC 9990's order: strictly aligned passes, relaxed-aligned passes, other passes, then the rest; at most 100. */
    private List<AggregateReport.DkimAuth> dkimResults(MessageAuthentication.Verdict verdict) {
        String from = verdict.fromDomain();
        Comparator<DkimVerification.Signature> order = Comparator.comparingInt(s -> {
            if (s.result() != DkimVerification.Result.PASS) {
                return 3;
            }
            if (s.domain().equals(from)) {
                return 0;
            }
            return !from.isEmpty() && organizationalDomains.relaxedAligned(s.domain(), from) ? 1 : 2;
        });
        return verdict.dkim().stream().sorted(order).limit(MAX_DKIM_RESULTS)
            .map(s -> new AggregateReport.DkimAuth(s.domain(), s.selector(), s.result().value(), s.reason())).toList();
    }

    private static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
    }
}
