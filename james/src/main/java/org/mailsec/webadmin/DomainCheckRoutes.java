package org.mailsec.webadmin;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.inject.Inject;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.domainlist.api.DomainListException;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.mailsec.check.DomainCheck;
import org.mailsec.check.DomainCheckReport;
import org.mailsec.dns.DomainNames;
import spark.Request;
import spark.Service;

/**
 * What senders find for a domain, and what to fix.
 * <ul>
 *   <li>{@code GET /mailsec/domains/{domain}/check}: core's {@link DomainCheck} of any domain: MX, each MX host's
 *   STARTTLS (probed live) and DANE, MTA-STS, TLSRPT, DMARC, SPF, the report DKIM key; within 30 s</li>
 *   <li>{@code GET /mailsec/domains/check}: the same for every James domain, in the domain list's order</li>
 * </ul>
 * A name that is not a host name is a 400.
 */
public class DomainCheckRoutes extends JsonRoutes {

    public static final String BASE = "/mailsec/domains";

    private final DomainCheck check;
    private final DomainList domains;

    @Inject
    public DomainCheckRoutes(DomainCheck check, DomainList domains) {
        super(BASE);
        this.check = check;
        this.domains = domains;
    }

    @Override
    protected void routes(Service service) {
        get(service, BASE + "/check", request -> jamesDomains().stream().map(d -> Check.of(check.check(d))).toList());
        get(service, BASE + "/:domain/check", request -> Check.of(check.check(domain(request))));
    }

    static String domain(Request request) {
        String given = request.params("domain");
        return DomainNames.hostName(given).orElseThrow(() -> ErrorResponder.builder().statusCode(400)
            .type(ErrorResponder.ErrorType.INVALID_ARGUMENT)
            .message("'" + given + "' is not a domain name (letters, digits and hyphens; labels of 1 to 63 characters)")
            .haltError());
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
