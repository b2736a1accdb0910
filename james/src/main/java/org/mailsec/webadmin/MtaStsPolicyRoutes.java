package org.mailsec.webadmin;

import java.util.LinkedHashMap;
import java.util.Map;
import javax.inject.Inject;
import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.apache.james.webadmin.utils.JsonTransformer;
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
public class MtaStsPolicyRoutes implements Routes {

    public static final String BASE = "/mailsec/mta-sts/policies";

    private final MtaStsPolicies policies;
    private final JsonTransformer json = new JsonTransformer();

    @Inject
    public MtaStsPolicyRoutes(MtaStsPolicies policies) {
        this.policies = policies;
    }

    @Override
    public String getBasePath() {
        return BASE;
    }

    @Override
    public void define(Service service) {
        MailsecRoutes.answerMalformedRequestsWith400(service);
        service.get(BASE, (request, response) -> {
            response.type("application/json");
            return MailsecRoutes.page(request).of(policies.cached()).stream().map(MtaStsPolicyRoutes::view).toList();
        }, json);

        service.get(BASE + "/:domain", (request, response) -> {
            String domain = MailsecRoutes.domainParam(request, "domain");
            response.type("application/json");
            return policies.cached().stream().filter(p -> p.domain().equals(domain)).findFirst()
                .map(MtaStsPolicyRoutes::view)
                .orElseThrow(() -> ErrorResponder.builder().statusCode(404).type(ErrorResponder.ErrorType.NOT_FOUND)
                    .message("no cached MTA-STS policy for " + domain).haltError());
        }, json);

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

    static Map<String, Object> view(CachedPolicy p) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("domain", p.domain());
        view.put("mode", p.mode());
        view.put("recordId", p.recordId());
        view.put("validUntil", p.validEnd().toString());
        view.put("fetched", p.lastUpdate().toString());
        view.put("firstSeen", p.inserted().toString());
        view.put("lastUsed", p.lastUse().toString());
        view.put("backoff", p.backoff());
        view.put("policy", p.policyText());
        return view;
    }
}
