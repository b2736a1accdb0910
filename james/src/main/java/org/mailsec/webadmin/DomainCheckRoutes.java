package org.mailsec.webadmin;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.Locale;
import java.util.Map;
import javax.inject.Inject;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.domainlist.api.DomainListException;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.mailsec.check.DomainCheck;
import org.mailsec.check.DomainCheckReport;
import org.mailsec.check.DomainRecords;
import org.mailsec.dns.DnsException;
import org.mailsec.mtasts.HostedPolicy;
import org.mailsec.policyhost.HostedPolicies;
import org.mailsec.dns.DomainNames;
import spark.Request;
import spark.Service;

/**
 * What senders find for a domain, and what to fix.
 * <ul>
 *   <li>{@code GET /mailsec/domains/{domain}/check}: core's {@link DomainCheck} of any domain: MX, each MX host's
 *   STARTTLS (probed live) and DANE, MTA-STS, TLSRPT, DMARC, SPF, the report DKIM key; within 30 s</li>
 *   <li>{@code GET /mailsec/domains/check}: the same for every James domain, four at a time, in the domain list's
 *   order</li>
 *   <li>{@code GET /mailsec/domains/{domain}/records}: what one of James's domains should publish (404 for another)</li>
 * </ul>
 * A name that is not a host name is a 400.
 */
public class DomainCheckRoutes extends JsonRoutes {

    public static final String BASE = "/mailsec/domains";
    /** Domains checked at once by the all-domains route (each check uses up to 8 threads of its own). */
    static final int PARALLEL_DOMAINS = 4;

    private final DomainCheck check;
    private final DomainRecords records;
    private final HostedPolicies policies;
    private final DomainList domains;

    @Inject
    public DomainCheckRoutes(DomainCheck check, DomainRecords records, HostedPolicies policies, DomainList domains) {
        super(BASE);
        this.check = check;
        this.records = records;
        this.policies = policies;
        this.domains = domains;
    }

    @Override
    protected void routes(Service service) {
        get(service, BASE + "/check", request -> checkAll(jamesDomains()));
        get(service, BASE + "/:domain/check", request -> Check.of(check.check(domain(request))));
        get(service, BASE + "/:domain/records", request -> {
            String domain = domain(request);
            HostedPolicy policy = hostedPolicy(domain);
            List<String> lines = records.of(domain, policy, policies.enabled());
            return new Records(domain, policy.id(), policy.text(), lines, String.join("\n", lines) + "\n");
        });
    }

    private HostedPolicy hostedPolicy(String domain) {
        try {
            return policies.forDomain(domain).orElseThrow(() -> ErrorResponder.builder().statusCode(404)
                .type(ErrorResponder.ErrorType.NOT_FOUND).message(domain + " is not one of James's domains").haltError());
        } catch (DnsException e) {
            throw ErrorResponder.builder().statusCode(503).type(ErrorResponder.ErrorType.SERVER_ERROR)
                .message("the MX hosts of " + domain + " cannot be looked up now: " + e.getMessage()).haltError();
        } catch (DomainListException e) {
            throw ErrorResponder.builder().statusCode(500).type(ErrorResponder.ErrorType.SERVER_ERROR)
                .message("James's domain list cannot be read").cause(e).haltError();
        }
    }

    /** What one of our domains should publish: zone-file lines, and the same as one text. */
    record Records(String domain, String mtaStsId, String mtaStsPolicy, List<String> records, String zone) {
    }

    static String domain(Request request) {
        String given = request.params("domain");
        return DomainNames.hostName(given).orElseThrow(() -> ErrorResponder.builder().statusCode(400)
            .type(ErrorResponder.ErrorType.INVALID_ARGUMENT)
            .message("'" + given + "' is not a domain name (letters, digits and hyphens; labels of 1 to 63 characters)")
            .haltError());
    }

    /** Several domains at once ({@link #PARALLEL_DOMAINS}), each within its own 30 s, answered in the given order. */
    private List<Check> checkAll(List<String> names) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL_DOMAINS, r -> {
            Thread t = new Thread(r, "mailsec-domain-checks");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Check>> checks = new ArrayList<>();
            for (String name : names) {
                checks.add(pool.submit(() -> Check.of(check.check(name))));
            }
            List<Check> done = new ArrayList<>();
            for (Future<Check> c : checks) {
                try {
                    done.add(c.get());
                } catch (ExecutionException e) {
                    throw ErrorResponder.builder().statusCode(500).type(ErrorResponder.ErrorType.SERVER_ERROR)
                        .message("a domain check failed: " + e.getCause()).haltError();
                }
            }
            return done;
        } finally {
            pool.shutdownNow();
        }
    }

    private List<String> jamesDomains() {
        try {
            return domains.getDomains().stream().map(d -> d.asString()).toList();
        } catch (DomainListException e) {
            throw ErrorResponder.builder().statusCode(500).type(ErrorResponder.ErrorType.SERVER_ERROR)
                .message("James's domain list cannot be read").cause(e).haltError();
        }
    }

    /** A domain's check as JSON: its worst status, each part, and every part's findings gathered. */
    record Check(String domain, String checked, String status, List<Part> parts, List<String> errors,
                 List<String> warnings, List<String> instructions) {

        static Check of(DomainCheckReport report) {
            return new Check(report.domain(), report.checked().toString(), lower(report.status()),
                report.parts().stream().map(Part::of).toList(), report.errors(), report.warnings(), report.instructions());
        }
    }

    record Part(String name, String subject, String status, Map<String, Object> found, List<String> errors,
                List<String> warnings, List<String> instructions) {

        static Part of(DomainCheckReport.Part p) {
            return new Part(p.name(), p.subject(), lower(p.status()), p.found(), p.errors(), p.warnings(), p.instructions());
        }
    }

    private static String lower(DomainCheckReport.Status status) {
        return status.name().toLowerCase(Locale.ROOT);
    }
}
