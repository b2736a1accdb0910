package org.mailsec.reporting;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.dmarc.report.AggregateReport.DkimAuth;
import org.mailsec.dmarc.report.AggregateReport.PolicyPublished;
import org.mailsec.dmarc.report.AggregateReport.Reason;
import org.mailsec.dmarc.report.AggregateReport.SpfAuth;
import org.mailsec.store.dmarc.Evaluation;

/**
 * One policy domain's DMARC aggregate report for a period, from its stored evaluations: evaluations that differ only in
 * when they were made become one record with their count, and every value is one the chosen format's schema allows
 * (RFC 9990 Appendix A, or RFC 7489 Appendix C for receivers of the old format).
 */
final class DmarcReportBuilder {

    /** The XML format of our reports. */
    enum Format {
        /** {@code urn:ietf:params:xml:ns:dmarc-2.0}, with np, testing and discovery_method; the default. */
        RFC9990,
        /** RFC 7489's: no namespace, sp/pct/fo always present, no "pass" disposition. */
        RFC7489
    }

    /** Who reports: the report_metadata of every report. */
    record Identity(String organization, String email, String contact, String generator) {
    }

    /** RFC 9990 §2.1.5's override types; RFC 7489's differ (no policy_test_mode; forwarded, sampled_out). */
    private static final Set<String> RFC9990_REASONS = Set.of("local_policy", "mailing_list", "other", "policy_test_mode",
        "trusted_forwarder");
    private static final Set<String> RFC7489_REASONS = Set.of("forwarded", "sampled_out", "trusted_forwarder", "mailing_list",
        "local_policy", "other");

    private DmarcReportBuilder() {
    }

    /** What makes two evaluations one record: everything but when they were made. */
    private record RecordKey(String sourceIp, String disposition, boolean dkimAligned, boolean spfAligned,
                             List<Reason> reasons, String envelopeTo, String envelopeFrom, String headerFrom,
                             List<DkimAuth> dkim, List<SpfAuth> spf) {
    }

    /**
     * The report of {@code evaluations} (one policy domain's, oldest first; not empty). The policy shown is the one the
     * newest evaluation saw: RFC 9990 §2.1 asks for the last configuration of a period when it changed.
     */
    static AggregateReport build(String policyDomain, List<Evaluation> evaluations, Instant begin, Instant end,
                                 String reportId, Identity identity, List<String> errors, Format format) {
        if (evaluations.isEmpty()) {
            throw new IllegalArgumentException("no evaluations for " + policyDomain);
        }
        Map<RecordKey, Long> counts = new LinkedHashMap<>();
        for (Evaluation e : evaluations) {
            RecordKey key = new RecordKey(e.sourceIp(), disposition(e.disposition(), format), e.alignedDkimPass(),
                e.alignedSpfPass(), reasons(e.overrideReasons(), format), cap(e.envelopeTo()), cap(envelopeFrom(e, format)),
                cap(e.headerFrom()), dkim(e.dkimResults()), spf(e, format));
            counts.merge(key, 1L, Long::sum);
        }
        List<AggregateReport.Record> records = new ArrayList<>();
        counts.forEach((k, count) -> records.add(new AggregateReport.Record(
            new AggregateReport.Row(k.sourceIp(), count, new AggregateReport.PolicyEvaluated(k.disposition(),
                k.dkimAligned() ? "pass" : "fail", k.spfAligned() ? "pass" : "fail", k.reasons())),
            new AggregateReport.Identifiers(k.headerFrom(), k.envelopeFrom(), emptyToNull(k.envelopeTo())),
            k.dkim(), k.spf())));
        // RFC 9990 Appendix A allows one error element.
        List<String> reportErrors = format == Format.RFC9990 && errors.size() > 1 ? List.of(String.join("; ", errors)) : errors;
        AggregateReport.Metadata metadata = new AggregateReport.Metadata(identity.organization(), identity.email(),
            emptyToNull(identity.contact()), reportId, begin, end, reportErrors, format == Format.RFC9990 ? identity.generator() : null);
        PolicyPublished policy = policy(policyDomain, evaluations.get(evaluations.size() - 1).policyPublished(), format);
        return new AggregateReport("1.0", metadata, policy, records, List.of());
    }

    private static PolicyPublished policy(String domain, PolicyPublished seen, Format format) {
        if (format == Format.RFC9990) {
            // RFC 9989 has no pct; a reporter shows what the record said in the tags that remain.
            return new PolicyPublished(domain, seen.adkim(), seen.aspf(), seen.p(), seen.sp(), seen.np(), null,
                emptyToNull(seen.fo()), seen.testing(), seen.discoveryMethod());
        }
        // RFC 7489 Appendix C requires sp, pct and fo: their defaults (§6.3) where the record had none.
        return new PolicyPublished(domain, seen.adkim(), seen.aspf(), seen.p(), seen.sp() == null ? seen.p() : seen.sp(),
            null, seen.pct() == null ? 100 : seen.pct(), seen.fo() == null || seen.fo().isEmpty() ? "0" : seen.fo(), null, null);
    }

    /** Longest text from a received message a report repeats (d=, s=, identifiers); DNS names are at most 253. */
    private static final int MAX_NAME = 255;
    private static final int MAX_TEXT = 1024;

    private static String cap(String s) {
        return cap(s, MAX_NAME);
    }

    private static String cap(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    /** DKIM results with what came from the message's own signature (d=, s=, reason) cut to a sane length. */
    private static List<DkimAuth> dkim(List<DkimAuth> results) {
        return results.stream().map(d -> new DkimAuth(cap(d.domain()), cap(d.selector()), d.result(),
            cap(d.humanResult(), MAX_TEXT))).toList();
    }

    /** RFC 7489's dispositions are the policy's three: a pass is "none" there (RFC 9990 added "pass"). */
    private static String disposition(String applied, Format format) {
        return format == Format.RFC7489 && "pass".equals(applied) ? "none" : applied;
    }

    /** Override types the format does not have become "other", the original type kept in the comment. */
    private static List<Reason> reasons(List<Reason> reasons, Format format) {
        Set<String> allowed = format == Format.RFC9990 ? RFC9990_REASONS : RFC7489_REASONS;
        return reasons.stream().map(r -> allowed.contains(r.type()) ? new Reason(r.type(), cap(r.comment(), MAX_TEXT))
            : new Reason("other", cap(r.comment() == null || r.comment().isEmpty() ? r.type() : r.type() + ": " + r.comment(),
                MAX_TEXT)))
            .toList();
    }

    /** RFC 7489 requires envelope_from (empty for a null reverse path); RFC 9990 makes it optional. */
    private static String envelopeFrom(Evaluation e, Format format) {
        String from = e.envelopeFrom() == null ? "" : e.envelopeFrom();
        return from.isEmpty() && format == Format.RFC9990 ? null : from;
    }

    /**
     * The MAIL FROM's SPF result (RFC 9990: one, scope mfrom). RFC 7489 requires at least one SPF result: a message
     * whose SPF was never checked shows "none" for its MAIL FROM (or From) domain.
     */
    private static List<SpfAuth> spf(Evaluation e, Format format) {
        List<SpfAuth> capped = e.spfResults().stream().map(sp -> new SpfAuth(cap(sp.domain()), sp.scope(), sp.result())).toList();
        List<SpfAuth> mailFrom = capped.stream().filter(sp -> sp.scope() == null || sp.scope().equals("mfrom")).limit(1)
            .toList();
        if (format == Format.RFC9990) {
            return mailFrom;
        }
        if (!capped.isEmpty()) {
            return capped;
        }
        String domain = e.envelopeFrom() == null || e.envelopeFrom().isEmpty() ? e.headerFrom() : e.envelopeFrom();
        return List.of(new SpfAuth(cap(domain), "mfrom", "none"));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
