package org.mailsec.webadmin;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.store.dmarc.DmarcReportSummary;
import org.mailsec.store.dmarc.DmarcReportListing;
import org.mailsec.store.dmarc.IncomingDmarcReport;
import org.mailsec.store.tlsreport.IncomingTlsReport;
import org.mailsec.store.Page;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.store.rejected.RejectedReports;
import org.mailsec.store.tlsreport.TlsReportListing;
import org.mailsec.store.tlsreport.TlsReportSummary;
import spark.Request;

/**
 * What the routes of the reports other servers sent us share ({@link IncomingTlsReportRoutes},
 * {@link IncomingDmarcReportRoutes}): parameters, refusal lists and views.
 * <ul>
 *   <li>{@code GET /mailsec/tls-reports[?start&end&domain]}, {@code …/{id}}, {@code …/summaries[?start&end&domain]},
 *       {@code …/rejected[?start&end&limit]}</li>
 *   <li>{@code GET /mailsec/dmarc-reports[?start&end&domain]}, {@code …/{id}}, {@code …/summaries[?start&end&domain]},
 *       {@code …/rejected[?start&end&limit]}</li>
 * </ul>
 * {@code start} and {@code end} are ISO-8601 instants (default: the last 30 days); reports whose date range
 * overlaps them are listed, and report mails refused (with the reason) in that time.
 */
public abstract class IncomingReportRoutes implements Routes {

    public static final String TLS = "/mailsec/tls-reports";
    public static final String DMARC = "/mailsec/dmarc-reports";
    protected static final ObjectMapper MAPPER = new ObjectMapper();

    protected final RejectedReports rejectedReports;
    protected final Clock clock;
    protected final JsonTransformer json = new JsonTransformer();

    protected IncomingReportRoutes(RejectedReports rejectedReports, Clock clock) {
        this.rejectedReports = rejectedReports;
        this.clock = clock;
    }



    protected Object rejected(RejectedReport.Kind kind, Request request, spark.Response response) {
        Page page = MailsecRoutes.page(request);
        response.type("application/json");
        return rejectedReports.list(kind, start(request), end(request), page).stream().map(IncomingReportRoutes::view).toList();
    }

    protected Instant start(Request request) {
        return instant(request, "start").orElse(clock.instant().minus(Duration.ofDays(30)));
    }

    protected Instant end(Request request) {
        return instant(request, "end").orElse(clock.instant().plus(Duration.ofDays(1)));
    }

    protected static Optional<Instant> instant(Request request, String name) {
        return MailsecRoutes.query(request, name).map(value -> MailsecRoutes.instant(value, name));
    }

    protected static Optional<String> domain(Request request) {
        return MailsecRoutes.query(request, "domain")
            .map(s -> s.toLowerCase(Locale.ROOT));
    }

    protected static long id(Request request) {
        try {
            return Long.parseLong(request.params("id"));
        } catch (NumberFormatException e) {
            throw ErrorResponder.builder().statusCode(400).type(ErrorResponder.ErrorType.INVALID_ARGUMENT)
                .message("'" + request.params("id") + "' is not a report id").haltError();
        }
    }

    protected static spark.HaltException notFound(Request request) {
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

    /** The same fields as {@link #view(IncomingTlsReport)}, from a listing's columns. */
    static Map<String, Object> view(TlsReportListing r) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", r.id());
        view.put("organization", r.organization());
        view.put("reportId", r.reportId());
        view.put("policyDomain", r.policyDomain());
        view.put("start", r.start().toString());
        view.put("end", r.end().toString());
        view.put("success", r.success());
        view.put("failure", r.failure());
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
        view.put("saturated", s.saturated());
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

    static Map<String, Object> view(DmarcReportListing r) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", r.id());
        view.put("organization", r.organization());
        view.put("reportId", r.reportId());
        view.put("domain", r.domain());
        view.put("begin", r.begin().toString());
        view.put("end", r.end().toString());
        view.put("records", r.records());
        view.put("messages", r.messages());
        view.put("dmarcPass", r.dmarcPass());
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
        view.put("saturated", s.saturated());
        return view;
    }
}
