package org.mailsec.webadmin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.webadmin.RandomPortSupplier;
import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.WebAdminConfiguration;
import org.apache.james.webadmin.WebAdminServer;
import org.apache.james.webadmin.authentication.NoAuthenticationFilter;
import org.apache.james.webadmin.mdc.LoggingRequestFilter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.dmarc.JdbcIncomingDmarcReports;
import org.mailsec.store.rejected.JdbcRejectedReports;
import org.mailsec.store.suppression.JdbcSuppressionList;
import org.mailsec.store.tls.CoalescingRecorder;
import org.mailsec.store.tls.JdbcTlsResultStore;
import org.mailsec.store.tlsreport.JdbcIncomingTlsReports;

/**
 * mailsec's routes in James's own WebAdminServer over a real H2 store: every malformed parameter is a 400 in James's
 * JSON error form naming what was wrong, unknown things are 404s, and what is answered has the documented fields.
 */
class RouteParametersTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-04T10:00:00Z"), ZoneOffset.UTC);

    private static Database database;
    private static WebAdminServer server;
    private static String base;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        database = Database.open(StoreConfig.embedded(dir));
        JdbcTlsResultStore results = new JdbcTlsResultStore(database);
        JdbcRejectedReports rejected = new JdbcRejectedReports(database);
        List<Routes> routes = List.of(
            new TlsResultRoutes(results, new CoalescingRecorder(results), CLOCK),
            new SuppressionRoutes(new JdbcSuppressionList(database), CLOCK),
            new IncomingTlsReportRoutes(new JdbcIncomingTlsReports(database), rejected, CLOCK),
            new IncomingDmarcReportRoutes(new JdbcIncomingDmarcReports(database), rejected, CLOCK),
            new DmarcEvaluationRoutes(new org.mailsec.store.dmarc.JdbcEvaluations(database), CLOCK));
        WebAdminConfiguration configuration = WebAdminConfiguration.builder().enabled().port(new RandomPortSupplier())
            .host("127.0.0.1").corsDisabled().build();
        // The constructor is protected: James's own tests subclass it too.
        server = new WebAdminServer(configuration, routes, new NoAuthenticationFilter(), new RecordingMetricFactory(),
            LoggingRequestFilter.create()) { };
        server.start();
        base = "http://127.0.0.1:" + server.getPort().getValue();
    }

    @AfterAll
    static void stop() {
        server.destroy();
        database.close();
    }

    private record Answer(int status, JsonNode body) {
        String message() {
            return body.path("message").asText();
        }
    }

    private static Answer send(String method, String pathAndQuery, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body()));
    }

    private static Answer get(String pathAndQuery) throws Exception {
        return send("GET", pathAndQuery, null);
    }

    private static void assertBadRequest(Answer answer, String message) {
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body().path("type").asText()).isEqualTo("InvalidArgument");
        assertThat(answer.message()).contains(message);
    }

    @Test
    void aDayMustBeAWholeUtcDayInRange() throws Exception {
        assertBadRequest(get("/mailsec/tls-results?day=2026-13-01"), "'2026-13-01' is not a day (YYYY-MM-DD, UTC)");
        assertBadRequest(get("/mailsec/tls-results?day=2400-01-01"), "day 2400-01-01 is outside 1970-2200");
        assertBadRequest(get("/mailsec/tls-results/example.com/yesterday"), "'yesterday' is not a day");
        assertThat(get("/mailsec/tls-results?day=2026-12-04").status()).isEqualTo(200);
    }

    @Test
    void startAndEndAreInstantsInRangeWithOneMessageEach() throws Exception {
        for (String route : List.of("/mailsec/tls-reports", "/mailsec/dmarc-reports/summaries", "/mailsec/tls-reports/rejected")) {
            assertBadRequest(get(route + "?start=yesterday"), "'yesterday' is not an ISO-8601 instant (start)");
            assertBadRequest(get(route + "?end=2026-12-04"), "'2026-12-04' is not an ISO-8601 instant (end)");
            assertBadRequest(get(route + "?start=1900-01-01T00:00:00Z"), "start 1900-01-01T00:00:00Z is outside 1970-2200");
        }
    }

    @Test
    void pagesAreBoundedAndNumbersAreNumbers() throws Exception {
        assertBadRequest(get("/mailsec/tls-results?limit=0"), "limit must be between 1 and 10000");
        assertBadRequest(get("/mailsec/suppressions/tls?limit=100000"), "limit must be between 1 and 10000");
        assertBadRequest(get("/mailsec/dmarc-reports?offset=-1"), "offset must be between 0 and");
        assertBadRequest(get("/mailsec/tls-reports?limit=ten"), "'ten' is not a number (limit)");
    }

    @Test
    void theQueryStringIsDecodedStrictly() throws Exception {
        // (A malformed escape such as %zz cannot be sent with the JDK's client; the end-to-end attacks send it raw.)
        // Jetty refuses invalid UTF-8 while James logs the request: the server-wide mapping answers 400, not 500.
        assertBadRequest(get("/mailsec/tls-results?policyDomain=%C3%28"), "malformed request");
        assertBadRequest(get("/mailsec/tls-results?isHost=maybe"), "'maybe' is not true or false");
    }

    @Test
    void anUnknownReportIsA404AndAnIdMustBeANumber() throws Exception {
        Answer missing = get("/mailsec/tls-reports/4242");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.message()).isEqualTo("no report 4242");
        assertBadRequest(get("/mailsec/dmarc-reports/abc"), "'abc' is not a report id");
    }

    @Test
    void aSuppressionIsAddedListedAndRemovedAndItsParametersAreChecked() throws Exception {
        assertBadRequest(get("/mailsec/suppressions/smtp"), "kind must be tls or dmarc");
        assertBadRequest(send("PUT", "/mailsec/suppressions/tls/not-an-address", "{\"until\":\"2027-01-01T00:00:00Z\"}"),
            "'not-an-address' is not a mail address");
        assertBadRequest(send("PUT", "/mailsec/suppressions/tls/rua@example.net", "{\"until\":"), "the body is not JSON");
        assertBadRequest(send("PUT", "/mailsec/suppressions/tls/rua@example.net", "{}"), "'until' (an ISO-8601 instant");

        Answer added = send("PUT", "/mailsec/suppressions/tls/rua@example.net",
            "{\"until\":\"2027-01-01T00:00:00Z\",\"comment\":\"asked by their postmaster\"}");
        assertThat(added.status()).isEqualTo(200);
        assertThat(added.body().path("address").asText()).isEqualTo("rua@example.net");
        assertThat(added.body().path("kind").asText()).isEqualTo("tls");
        assertThat(added.body().path("until").asText()).isEqualTo("2027-01-01T00:00:00Z");
        assertThat(added.body().path("since").asText()).isEqualTo("2026-12-04T10:00:00Z");
        assertThat(get("/mailsec/suppressions/tls").body()).singleElement()
            .satisfies(e -> assertThat(e.path("comment").asText()).isEqualTo("asked by their postmaster"));
        assertThat(get("/mailsec/suppressions/dmarc").body()).isEmpty();

        assertThat(send("DELETE", "/mailsec/suppressions/tls/RUA@example.net", null).status()).isEqualTo(204);
        Answer again = send("DELETE", "/mailsec/suppressions/tls/rua@example.net", null);
        assertThat(again.status()).isEqualTo(404);
        assertThat(again.message()).isEqualTo("rua@example.net is not suppressed");
    }

    @Test
    void dmarcEvaluationsArePagedAndForgettingNoneIsA404() throws Exception {
        assertThat(get("/mailsec/dmarc-evaluations").body()).isEmpty();
        assertBadRequest(get("/mailsec/dmarc-evaluations?limit=0"), "limit must be between 1 and 10000");
        assertThat(get("/mailsec/dmarc-evaluations/Example.COM.").body()).isEmpty();
        Answer none = send("DELETE", "/mailsec/dmarc-evaluations/example.com", null);
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.message()).isEqualTo("no DMARC evaluations for example.com");
    }

    @Test
    void deletingTlsResultsThatAreNotThereIsA404NamingThem() throws Exception {
        Answer answer = send("DELETE", "/mailsec/tls-results/Example.COM./2026-12-03", null);
        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.message()).as("the domain as mailsec compares it").isEqualTo("no TLS results for example.com on 2026-12-03");
    }
}
