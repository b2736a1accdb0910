package org.mailsec.webadmin;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.inject.Inject;
import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.mailsec.store.tls.CoalescingRecorder;
import org.mailsec.store.tls.TlsResultCount;
import org.mailsec.store.tls.TlsResultKey;
import org.mailsec.store.tls.TlsResultStore;
import spark.Request;
import spark.Service;

/**
 * The TLS outcomes delivery recorded, as they will go into TLS reports.
 * <ul>
 *   <li>{@code GET /mailsec/tls-results?day=&policyDomain=&recipientDomain=&isHost=}: a UTC day (default today),
 *       optionally narrowed</li>
 *   <li>{@code GET /mailsec/tls-results/{policyDomain}/{day}}</li>
 *   <li>{@code DELETE /mailsec/tls-results/{policyDomain}/{day}}: forget them (the report will not be sent)</li>
 * </ul>
 */
public class TlsResultRoutes implements Routes {

    public static final String BASE = "/mailsec/tls-results";

    private final TlsResultStore store;
    private final CoalescingRecorder recorder;
    private final JsonTransformer json = new JsonTransformer();

    private final java.time.Clock clock;

    @Inject
    public TlsResultRoutes(TlsResultStore store, CoalescingRecorder recorder, java.time.Clock clock) {
        this.store = store;
        this.recorder = recorder;
        this.clock = clock;
    }

    @Override
    public String getBasePath() {
        return BASE;
    }

    @Override
    public void define(Service service) {
        MailsecRoutes.answerMalformedRequestsWith400(service);
        service.get(BASE, (request, response) -> {
            LocalDate day = MailsecRoutes.day(MailsecRoutes.query(request, "day").orElse(today(clock)));
            Optional<String> policyDomain = MailsecRoutes.domain(request, "policyDomain");
            Optional<String> recipientDomain = MailsecRoutes.domain(request, "recipientDomain");
            Optional<Boolean> isHost = MailsecRoutes.query(request, "isHost").map(MailsecRoutes::bool);
            org.mailsec.store.Page page = MailsecRoutes.page(request);
            flushQuietly();
            response.type("application/json");
            return store.find(new TlsResultStore.Filter(day, policyDomain, recipientDomain, isHost), page).stream()
                .map(TlsResultRoutes::row).toList();
        }, json);

        service.get(BASE + "/:policyDomain/:day", (request, response) -> {
            LocalDate day = MailsecRoutes.day(request.params("day"));
            flushQuietly();
            response.type("application/json");
            return store.results(domain(request), day).stream().map(TlsResultRoutes::row).toList();
        }, json);

        service.delete(BASE + "/:policyDomain/:day", (request, response) -> {
            LocalDate day = MailsecRoutes.day(request.params("day"));
            flushQuietly();
            int deleted = store.delete(domain(request), day);
            if (deleted == 0) {
                throw ErrorResponder.builder().statusCode(404).type(ErrorResponder.ErrorType.NOT_FOUND)
                    .message("no TLS results for " + domain(request) + " on " + day).haltError();
            }
            response.status(204);
            return "";
        });
    }

    /** Results still in the recorder's memory belong in the answer. */
    private void flushQuietly() {
        try {
            recorder.flush();
        } catch (RuntimeException e) {
            // The store is what is shown; a failing flush is retried by the recorder and shows in metrics.
        }
    }

    private static String domain(Request request) {
        return MailsecRoutes.domainParam(request, "policyDomain");
    }

    private static String today(java.time.Clock clock) {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).toString();
    }

    static Map<String, Object> row(TlsResultCount count) {
        TlsResultKey k = count.key();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("policyDomain", k.policyDomain());
        row.put("day", k.day().toString());
        row.put("recipientDomain", k.recipientDomain());
        row.put("isHost", k.isHost());
        row.put("reportDelivery", k.reportDelivery());
        row.put("policyType", k.policyType());
        row.put("policyStrings", k.policyStrings());
        row.put("mxHost", k.mxHostPattern());
        row.put("result", k.success() ? "success" : k.resultType());
        row.put("sendingIp", k.sendingIp());
        row.put("receivingMxHostname", k.receivingMxHostname());
        row.put("receivingIp", k.receivingIp());
        row.put("failureReasonCode", k.failureReasonCode());
        row.put("sessions", count.sessions());
        return row;
    }
}
