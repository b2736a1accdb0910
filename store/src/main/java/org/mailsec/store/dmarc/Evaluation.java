package org.mailsec.store.dmarc;

import java.time.Instant;
import java.util.List;
import org.mailsec.dmarc.report.AggregateReport;

/**
 * One DMARC evaluation of an incoming message, as the outgoing aggregate report will show it (the fields
 * mox's dmarcdb keeps): what was published, what was decided, and the authentication results behind it.
 *
 * @param id            0 until stored
 * @param addresses     the policy domain's rua addresses at evaluation time
 * @param optional      only reported if the same report holds non-optional evaluations (e.g. our own reports)
 * @param intervalHours the report interval the domain asked for (ri), in hours
 */
public record Evaluation(long id, String policyDomain, Instant evaluated, int intervalHours, List<String> addresses,
                         AggregateReport.PolicyPublished policyPublished, boolean optional, String sourceIp,
                         String disposition, boolean alignedDkimPass, boolean alignedSpfPass,
                         List<AggregateReport.Reason> overrideReasons, String envelopeTo, String envelopeFrom,
                         String headerFrom, List<AggregateReport.DkimAuth> dkimResults,
                         List<AggregateReport.SpfAuth> spfResults) {

    public Evaluation {
        addresses = List.copyOf(addresses);
        overrideReasons = List.copyOf(overrideReasons);
        dkimResults = List.copyOf(dkimResults);
        spfResults = List.copyOf(spfResults);
    }

    public Evaluation withId(long newId) {
        return new Evaluation(newId, policyDomain, evaluated, intervalHours, addresses, policyPublished, optional, sourceIp,
            disposition, alignedDkimPass, alignedSpfPass, overrideReasons, envelopeTo, envelopeFrom, headerFrom, dkimResults,
            spfResults);
    }
}
