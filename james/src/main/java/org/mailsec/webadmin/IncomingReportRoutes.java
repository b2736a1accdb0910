package org.mailsec.webadmin;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.util.Optional;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.mailsec.store.Page;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.store.rejected.RejectedReports;
import spark.Request;

/**
 * What the routes of the reports other servers sent us share ({@link IncomingTlsReportRoutes},
 * {@link IncomingDmarcReportRoutes}): parameters and refusal lists; what they answer is {@link IncomingReportDtos}.
 * <ul>
 *   <li>{@code GET /mailsec/tls-reports[?start&end&domain]}, {@code …/{id}}, {@code …/summaries[?start&end&domain]},
 *       {@code …/rejected[?start&end&limit]}</li>
 *   <li>{@code GET /mailsec/dmarc-reports[?start&end&domain]}, {@code …/{id}}, {@code …/summaries[?start&end&domain]},
 *       {@code …/rejected[?start&end&limit]}</li>
 * </ul>
 * {@code start} and {@code end} are ISO-8601 instants (default: the last 30 days); reports whose date range
 * overlaps them are listed, and report mails refused (with the reason) in that time.
 */
public abstract class IncomingReportRoutes extends JsonRoutes {

    public static final String TLS = "/mailsec/tls-reports";
    public static final String DMARC = "/mailsec/dmarc-reports";
    protected static final ObjectMapper MAPPER = new ObjectMapper();

    protected final RejectedReports rejectedReports;
    protected final Clock clock;

    protected IncomingReportRoutes(String basePath, RejectedReports rejectedReports, Clock clock) {
        super(basePath);
        this.rejectedReports = rejectedReports;
        this.clock = clock;
    }

    protected Object rejected(RejectedReport.Kind kind, Request request) {
        Page page = MailsecRoutes.page(request);
        MailsecRoutes.Period period = period(request);
        return rejectedReports.list(kind, period.start(), period.end(), page).stream().map(IncomingReportDtos.Rejected::of).toList();
    }

    /** The period asked for ({@code start}, {@code end}), read once per request. */
    protected MailsecRoutes.Period period(Request request) {
        return MailsecRoutes.period(request, clock);
    }

    protected static Optional<String> domain(Request request) {
        return MailsecRoutes.domain(request, "domain");
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
}
