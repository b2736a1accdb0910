package org.mailsec.webadmin;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import javax.inject.Inject;
import org.apache.james.webadmin.utils.ErrorResponder;
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
public class TlsResultRoutes extends JsonRoutes {

    public static final String BASE = "/mailsec/tls-results";

    private final TlsResultStore store;
    private final CoalescingRecorder recorder;

    private final java.time.Clock clock;

    @Inject
    public TlsResultRoutes(TlsResultStore store, CoalescingRecorder recorder, java.time.Clock clock) {
        super(BASE);
        this.store = store;
        this.recorder = recorder;
        this.clock = clock;
    }

    @Override
    protected void routes(Service service) {
        get(service, BASE, request -> {
            LocalDate day = MailsecRoutes.day(request, "day").orElse(MailsecRoutes.today(clock));
            Optional<String> policyDomain = MailsecRoutes.domain(request, "policyDomain");
            Optional<String> recipientDomain = MailsecRoutes.domain(request, "recipientDomain");
            Optional<Boolean> isHost = MailsecRoutes.query(request, "isHost").map(MailsecRoutes::bool);
            org.mailsec.store.Page page = MailsecRoutes.page(request);
            flushQuietly();
            return store.find(new TlsResultStore.Filter(day, policyDomain, recipientDomain, isHost), page).stream()
                .map(TlsResult::of).toList();
        });

        get(service, BASE + "/:policyDomain/:day", request -> {
            LocalDate day = MailsecRoutes.day(request.params("day"));
            flushQuietly();
            return store.results(domain(request), day).stream().map(TlsResult::of).toList();
        });

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

    /** One counted TLS outcome as it will go into a report; {@code result} is {@code success} or the RFC 8460 type. */
    @JsonPropertyOrder({"policyDomain", "day", "recipientDomain", "isHost", "reportDelivery", "policyType", "policyStrings",
        "mxHost", "result", "sendingIp", "receivingMxHostname", "receivingIp", "failureReasonCode", "sessions"})
    record TlsResult(String policyDomain, String day, String recipientDomain, @JsonProperty("isHost") boolean isHost,
                     boolean reportDelivery, String policyType, List<String> policyStrings, String mxHost, String result,
                     String sendingIp, String receivingMxHostname, String receivingIp, String failureReasonCode,
                     long sessions) {

        static TlsResult of(TlsResultCount count) {
            TlsResultKey k = count.key();
            return new TlsResult(k.policyDomain(), k.day().toString(), k.recipientDomain(), k.isHost(), k.reportDelivery(),
                k.policyType(), k.policyStrings(), k.mxHostPattern(), k.success() ? "success" : k.resultType(),
                k.sendingIp(), k.receivingMxHostname(), k.receivingIp(), k.failureReasonCode(), count.sessions());
        }
    }
}
