package org.mailsec.webadmin;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.inject.Inject;
import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.store.dmarc.DmarcReportSummary;
import org.mailsec.store.dmarc.IncomingDmarcReport;
import org.mailsec.store.dmarc.IncomingDmarcReports;
import org.mailsec.store.report.IncomingTlsReport;
import org.mailsec.store.report.IncomingTlsReports;
import org.mailsec.store.report.RejectedReport;
import org.mailsec.store.report.RejectedReports;
import org.mailsec.store.report.TlsReportSummary;
import org.mailsec.tlsrpt.TlsReportJson;
import spark.Request;
import spark.Service;

/**
 * The reports other servers sent us.
 * <ul>
 *   <li>{@code GET /mailsec/tls-reports[?start&end&domain]}, {@code …/{id}}, {@code …/summaries[?start&end&domain]},
 *       {@code …/rejected[?start&end&limit]}</li>
 *   <li>{@code GET /mailsec/dmarc-reports[?start&end&domain]}, {@code …/{id}}, {@code …/summaries[?start&end&domain]},
 *       {@code …/rejected[?start&end&limit]}</li>
 * </ul>
 * {@code start} and {@code end} are ISO-8601 instants (default: the last 30 days); reports whose date range
 * overlaps them are listed, and report mails refused (with the reason) in that time.
 */
public class IncomingReportRoutes implements Routes {

    public static final String TLS = "/mailsec/tls-reports";
    public static final String DMARC = "/mailsec/dmarc-reports";
    private static final int MAX_REJECTED = 1000;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final IncomingTlsReports tlsReports;
    private final IncomingDmarcReports dmarcReports;
    private final RejectedReports rejectedReports;
    private final Clock clock;
    private final JsonTransformer json = new JsonTransformer();

    @Inject
    public IncomingReportRoutes(IncomingTlsReports tlsReports, IncomingDmarcReports dmarcReports,
                                RejectedReports rejectedReports, Clock clock) {
        this.tlsReports = tlsReports;
        this.dmarcReports = dmarcReports;
        this.rejectedReports = rejectedReports;
        this.clock = clock;
    }

    @Override
    public String getBasePath() {
        return TLS;
    }

    @Override
    public void define(Service service) {
        MailsecRoutes.answerMalformedRequestsWith400(service);
        service.get(TLS + "/rejected", (request, response) -> rejected(RejectedReport.Kind.TLS, request, response), json);
        service.get(DMARC + "/rejected", (request, response) -> rejected(RejectedReport.Kind.DMARC, request, response), json);
        service.get(TLS + "/summaries", (request, response) -> {
            response.type("application/json");
            return tlsReports.summaries(start(request), end(request), domain(request)).stream()
                .map(IncomingReportRoutes::view).toList();
        }, json);
        service.get(TLS + "/:id", (request, response) -> {
            IncomingTlsReport report = tlsReports.byId(id(request)).orElseThrow(() -> notFound(request));
            Map<String, Object> view = view(report);
            view.put("report", MAPPER.readTree(TlsReportJson.write(report.report())));
            response.type("application/json");
            return view;
        }, json);
        service.get(TLS, (request, response) -> {
            response.type("application/json");
            return tlsReports.list(start(request), end(request), domain(request)).stream()
                .map(IncomingReportRoutes::view).toList();
        }, json);

        service.get(DMARC + "/summaries", (request, response) -> {
            response.type("application/json");
            return dmarcReports.summaries(start(request), end(request), domain(request)).stream()
                .map(IncomingReportRoutes::view).toList();
        }, json);
        service.get(DMARC + "/:id", (request, response) -> {
            IncomingDmarcReport report = dmarcReports.byId(id(request)).orElseThrow(() -> notFound(request));
            response.type("application/json");
            return view(report);
        }, json);
        service.get(DMARC, (request, response) -> {
            response.type("application/json");
            return dmarcReports.list(start(request), end(request), domain(request)).stream()
                .map(IncomingReportRoutes::view).toList();
        }, json);
    }

    private Object rejected(RejectedReport.Kind kind, Request request, spark.Response response) {
        int limit = MAX_REJECTED;
        String asked = MailsecRoutes.query(request, "limit").orElse(null);
        if (asked != null) {
            try {
                limit = Math.min(MAX_REJECTED, Math.max(1, Integer.parseInt(asked.trim())));
            } catch (NumberFormatException e) {
                throw ErrorResponder.builder().statusCode(400).type(ErrorResponder.ErrorType.INVALID_ARGUMENT)
                    .message("'" + asked + "' is not a number (limit)").haltError();
            }
        }
        response.type("application/json");
        return rejectedReports.list(kind, start(request), end(request), limit).stream().map(IncomingReportRoutes::view).toList();
    }

    private Instant start(Request request) {
        return instant(request, "start").orElse(clock.instant().minus(Duration.ofDays(30)));
    }

    private Instant end(Request request) {
        return instant(request, "end").orElse(clock.instant().plus(Duration.ofDays(1)));
    }

    private static Optional<Instant> instant(Request request, String name) {
        return MailsecRoutes.query(request, name).map(value -> MailsecRoutes.instant(value, name));
    }

    private static Optional<String> domain(Request request) {
        return MailsecRoutes.query(request, "domain")
            .map(s -> s.toLowerCase(Locale.ROOT));
    }

    private static long id(Request request) {
        try {
            return Long.parseLong(request.params("id"));
        } catch (NumberFormatException e) {
            throw ErrorResponder.builder().statusCode(400).type(ErrorResponder.ErrorType.INVALID_ARGUMENT)
                .message("'" + request.params("id") + "' is not a report id").haltError();
        }
    }

    private static spark.HaltException notFound(Request request) {
        return ErrorResponder.builder().statusCode(404).type(ErrorResponder.ErrorType.NOT_FOUND)
            .message("no report " + request.params("id")).haltError();
    }

    static Map<String, Object> view(IncomingTlsReport r) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", r.id());
        view.put("organization", r.report().organizationName());
        view.put("reportId", r.report().reportId());
        view.put("policyDomain", r.policyDomain());
        view.put("start", r.report().start().toString());
        view.put("end", r.report().end().toString());
        view.put("success", r.report().totalSuccess());
        view.put("failure", r.report().totalFailure());
        view.put("from", r.mailFrom());
        view.put("fromDomain", r.fromDomain());
        view.put("authenticated", !r.unauthenticated());
        view.put("received", r.receivedAt().toString());
        return view;
    }

    static Map<String, Object> view(TlsReportSummary s) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("policyDomain", s.policyDomain());
        view.put("reports", s.reports());
        view.put("success", s.success());
        view.put("failure", s.failure());
        view.put("failuresByResultType", s.failuresByResultType());
        return view;
    }

    static Map<String, Object> view(IncomingDmarcReport r) {
        AggregateReport.Metadata m = r.report().metadata();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", r.id());
        view.put("organization", m.orgName());
        view.put("reportId", m.reportId());
        view.put("domain", r.report().policy().domain());
        view.put("begin", m.begin().toString());
        view.put("end", m.end().toString());
        view.put("records", r.report().records().size());
        view.put("fromDomain", r.fromDomain());
        view.put("authenticated", !r.unauthenticated());
        view.put("received", r.receivedAt().toString());
        return view;
    }

    static Map<String, Object> view(RejectedReport r) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", r.id());
        view.put("received", r.receivedAt().toString());
        view.put("mail", r.mailName());
        view.put("messageId", r.messageId());
        view.put("from", r.mailFrom());
        view.put("subject", r.subject());
        view.put("reason", r.reason());
        return view;
    }

    static Map<String, Object> view(DmarcReportSummary s) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("domain", s.domain());
        view.put("reports", s.reports());
        view.put("messages", s.messages());
        view.put("dmarcPass", s.dmarcPass());
        view.put("dispositionNone", s.dispositionNone());
        view.put("dispositionQuarantine", s.dispositionQuarantine());
        view.put("dispositionReject", s.dispositionReject());
        view.put("dkimFail", s.dkimFail());
        view.put("spfFail", s.spfFail());
        view.put("policyOverrides", s.policyOverrides());
        return view;
    }
}
