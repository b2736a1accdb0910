package org.mailsec.webadmin;

import javax.inject.Inject;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.mailsec.store.policy.CachedPolicy;
import org.mailsec.stspolicy.MtaStsPolicies;
import spark.Service;

/**
 * The MTA-STS policy cache.
 * <ul>
 *   <li>{@code GET /mailsec/mta-sts/policies}: every cached policy</li>
 *   <li>{@code GET /mailsec/mta-sts/policies/{domain}}</li>
 *   <li>{@code DELETE /mailsec/mta-sts/policies/{domain}}: drop it; the next delivery fetches it again</li>
 * </ul>
 */
public class MtaStsPolicyRoutes extends JsonRoutes {

    public static final String BASE = "/mailsec/mta-sts/policies";

    private final MtaStsPolicies policies;

    @Inject
    public MtaStsPolicyRoutes(MtaStsPolicies policies) {
        super(BASE);
        this.policies = policies;
    }

    @Override
    protected void routes(Service service) {
        get(service, BASE, request ->
            MailsecRoutes.page(request).of(policies.cached()).stream().map(Policy::of).toList());

        get(service, BASE + "/:domain", request -> {
            String domain = MailsecRoutes.domainParam(request, "domain");
            return policies.cached().stream().filter(p -> p.domain().equals(domain)).findFirst()
                .map(Policy::of)
                .orElseThrow(() -> ErrorResponder.builder().statusCode(404).type(ErrorResponder.ErrorType.NOT_FOUND)
                    .message("no cached MTA-STS policy for " + domain).haltError());
        });

        service.delete(BASE + "/:domain", (request, response) -> {
            String domain = MailsecRoutes.domainParam(request, "domain");
            if (!policies.forget(domain)) {
                throw ErrorResponder.builder().statusCode(404).type(ErrorResponder.ErrorType.NOT_FOUND)
                    .message("no cached MTA-STS policy for " + domain).haltError();
            }
            response.status(204);
            return "";
        });
    }

    /** A cached policy: its text as fetched, when it was fetched, first seen and last used, and its fetch backoff. */
    record Policy(String domain, String mode, String recordId, String validUntil, String fetched, String firstSeen,
                  String lastUsed, boolean backoff, String policy) {

        static Policy of(CachedPolicy p) {
            return new Policy(p.domain(), p.mode(), p.recordId(), p.validEnd().toString(), p.lastUpdate().toString(),
                p.inserted().toString(), p.lastUse().toString(), p.backoff(), p.policyText());
        }
    }
}
