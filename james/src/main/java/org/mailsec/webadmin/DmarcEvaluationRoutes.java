package org.mailsec.webadmin;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.inject.Inject;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.store.dmarc.Evaluation;
import org.mailsec.store.dmarc.Evaluations;
import spark.Service;

/**
 * The DMARC evaluations of received mail waiting for their policy domain's aggregate report.
 * <ul>
 *   <li>{@code GET /mailsec/dmarc-evaluations}: per policy domain, how many and with which dispositions, and whether
 *       a report will be sent (some evaluation is not optional)</li>
 *   <li>{@code GET /mailsec/dmarc-evaluations/{domain}}: its evaluations, oldest first</li>
 *   <li>{@code DELETE /mailsec/dmarc-evaluations/{domain}}: forget them (no report will carry them)</li>
 * </ul>
 */
public class DmarcEvaluationRoutes extends JsonRoutes {

    public static final String BASE = "/mailsec/dmarc-evaluations";

    private final Evaluations evaluations;
    private final Clock clock;

    @Inject
    public DmarcEvaluationRoutes(Evaluations evaluations, Clock clock) {
        super(BASE);
        this.evaluations = evaluations;
        this.clock = clock;
    }

    /** A policy domain's evaluations in sum. */
    record DomainSummary(String policyDomain, long evaluations, Map<String, Long> dispositions, long optional,
                         boolean reportWillBeSent) {
    }

    /** One evaluation, as its aggregate report row will show it. */
    record EvaluationView(long id, String policyDomain, String evaluated, int intervalHours, List<String> addresses,
                          AggregateReport.PolicyPublished policyPublished, boolean optional, String sourceIp,
                          String disposition, boolean alignedDkimPass, boolean alignedSpfPass,
                          List<AggregateReport.Reason> overrideReasons, String envelopeTo, String envelopeFrom,
                          String headerFrom, List<AggregateReport.DkimAuth> dkim, List<AggregateReport.SpfAuth> spf) {

        static EvaluationView of(Evaluation e) {
            return new EvaluationView(e.id(), e.policyDomain(), e.evaluated().toString(), e.intervalHours(), e.addresses(),
                e.policyPublished(), e.optional(), e.sourceIp(), e.disposition(), e.alignedDkimPass(), e.alignedSpfPass(),
                e.overrideReasons(), e.envelopeTo(), e.envelopeFrom(), e.headerFrom(), e.dkimResults(), e.spfResults());
        }
    }

    @Override
    protected void routes(Service service) {
        get(service, BASE, request -> MailsecRoutes.page(request).of(summaries()));
        get(service, BASE + "/:domain", request -> {
            String domain = MailsecRoutes.domainParam(request, "domain");
            return MailsecRoutes.page(request).of(evaluations.forDomain(domain, clock.instant().plus(Duration.ofDays(1))))
                .stream().map(EvaluationView::of).toList();
        });
        service.delete(BASE + "/:domain", (request, response) -> {
            String domain = MailsecRoutes.domainParam(request, "domain");
            if (evaluations.deleteForDomain(domain, clock.instant().plus(Duration.ofDays(1))) == 0) {
                throw ErrorResponder.builder().statusCode(404).type(ErrorResponder.ErrorType.NOT_FOUND)
                    .message("no DMARC evaluations for " + domain).haltError();
            }
            response.status(204);
            return "";
        });
    }

    private List<DomainSummary> summaries() {
        Map<String, DomainSummary> byDomain = new LinkedHashMap<>();
        for (Evaluations.Count c : evaluations.counts()) {
            DomainSummary s = byDomain.getOrDefault(c.policyDomain(),
                new DomainSummary(c.policyDomain(), 0, new LinkedHashMap<>(), 0, false));
            s.dispositions().merge(c.disposition(), c.evaluations(), Long::sum);
            long total = s.evaluations() + c.evaluations();
            long optional = s.optional() + c.optional();
            byDomain.put(c.policyDomain(), new DomainSummary(c.policyDomain(), total, s.dispositions(), optional,
                total > optional));
        }
        return List.copyOf(byDomain.values());
    }
}
