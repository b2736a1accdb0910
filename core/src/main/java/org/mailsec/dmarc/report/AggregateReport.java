package org.mailsec.dmarc.report;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * A DMARC aggregate report (RFC 7489 appendix C, RFC 9990). Text is kept as sent except where noted;
 * absent optional values are null; lists are never null.
 */
public record AggregateReport(String version, Metadata metadata, PolicyPublished policy, List<Record> records,
                              List<String> extensions) {

    public AggregateReport {
        records = List.copyOf(records);
        extensions = List.copyOf(extensions);
    }

    /** Sum of the rows' message counts. */
    public long messages() {
        return records.stream().mapToLong(r -> r.row().count()).sum();
    }

    /** Messages whose evaluated DKIM or SPF passed (case-insensitive), i.e. that passed DMARC. */
    public long dmarcPassMessages() {
        return records.stream().filter(r -> r.row().evaluated().passed()).mapToLong(r -> r.row().count()).sum();
    }

    public record Metadata(String orgName, String email, String extraContactInfo, String reportId, Instant begin,
                           Instant end, List<String> errors, String generator) {
        public Metadata {
            errors = List.copyOf(errors);
        }
    }

    /** The policy as the reporter saw it published; values lower-cased, null when not reported. */
    public record PolicyPublished(String domain, String adkim, String aspf, String p, String sp, String np,
                                  Integer pct, String fo, String testing, String discoveryMethod) {
    }

    public record Record(Row row, Identifiers identifiers, List<DkimAuth> dkim, List<SpfAuth> spf) {
        public Record {
            dkim = List.copyOf(dkim);
            spf = List.copyOf(spf);
        }
    }

    public record Row(String sourceIp, long count, PolicyEvaluated evaluated) {
    }

    /** disposition, dkim and spf as evaluated by the reporter, lower-cased. */
    public record PolicyEvaluated(String disposition, String dkim, String spf, List<Reason> reasons) {
        public PolicyEvaluated {
            reasons = List.copyOf(reasons);
        }

        public boolean passed() {
            return "pass".equals(dkim) || "pass".equals(spf);
        }
    }

    /** A policy override (forwarded, mailing_list, local_policy...). */
    public record Reason(String type, String comment) {
    }

    public record Identifiers(String headerFrom, String envelopeFrom, String envelopeTo) {
    }

    public record DkimAuth(String domain, String selector, String result, String humanResult) {
    }

    public record SpfAuth(String domain, String scope, String result) {
    }

    static String lower(String s) {
        return s == null ? null : s.strip().toLowerCase(Locale.ROOT);
    }
}
