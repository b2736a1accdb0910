package org.mailsec.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.james.dnsservice.api.DNSService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.testing.LoopbackMx;
import org.mailsec.testing.PolicyHttpsServer;
import org.mailsec.testing.TestPki;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium (Debian's, through its chromedriver) after real deliveries by a real
 * James: DANE-verified sessions to one loopback MX, MTA-STS testing-mode sessions to one with an expired certificate.
 * Each page loads without a JavaScript error and shows what the JSON routes say; a screenshot of each is written under
 * {@code target/dashboard/}; a suppression added through the page is in {@code GET /mailsec/suppressions/tls}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardEndToEndTest {

    private static final Path SCREENSHOTS = Path.of("target", "dashboard");
    private static final String RUA = "rua@localhost";
    /** What the reports page lists "since 2000". */
    private static final String REPORTS_RANGE = "/mailsec/KIND-reports?start=2000-01-01T00:00:00Z&end=2100-01-01T00:00:00Z";
    private final List<LoopbackMx> mxHosts = new ArrayList<>();
    private LoopbackDnsServer dns;
    private PolicyHttpsServer https;
    private MailsecServer james;
    private ChromeDriver browser;

    @BeforeAll
    void boot(@TempDir Path tmp) throws Exception {
        TestPki.Identity root = TestPki.rootCa("dashboard root");
        TestPki.Identity good = root.issueServer("mx.dane.test");
        int port = LoopbackMx.freePort();
        mxHosts.add(LoopbackMx.start("127.0.0.2", port, good.serverContext()));
        mxHosts.add(LoopbackMx.start("127.0.0.3", port, root.issueExpired("mx.sts.test").serverContext()));
        https = new PolicyHttpsServer(root.issueServer("mta-sts.sts.test"), Map.of());
        https.answer("sts.test", PolicyHttpsServer.Answer.policy("version: STSv1\r\nmode: testing\r\nmx: mx.sts.test\r\n"
            + "max_age: 86400\r\n"));
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("dane.test", "@ SOA ns hostmaster 1 3600 600 86400 300\n@ MX 10 mx\nmx A 127.0.0.2\n"
            + "_" + port + "._tcp.mx TLSA 3 1 1 " + E2e.hex(TestPki.tlsa(3, 1, 1, good.certificate())) + "\n"
            + "_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@dane.test\"\n");
        dns.addZone("sts.test", "@ MX 10 mx\nmx A 127.0.0.3\n_mta-sts TXT \"v=STSv1; id=1\"\nmta-sts A 127.0.0.1\n"
            + "_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@sts.test\"\n");
        Path anchors = Files.writeString(tmp.resolve("anchors.txt"), dns.trustAnchorText());
        Path roots = Files.writeString(tmp.resolve("roots.pem"), E2e.pem(root.certificate()));
        Path conf = E2e.configuration(tmp, E2e.pairs(
            "mailsec.dns.servers", dns.hostPort(),
            "mailsec.dns.trust.anchors", anchors.toString(),
            "mailsec.net.allowed", "127.0.0.0/8",
            "mailsec.delivery.smtp.port", String.valueOf(port),
            "mailsec.tls.webpki.roots", roots.toString(),
            "mailsec.mtasts.https.port", String.valueOf(https.port()),
            "mailsec.reports.enabled", "false"), Optional.empty());
        var jamesDns = E2e.jamesDns();
        james = MailsecServer.start(conf, tmp.resolve("james"), binder -> binder.bind(DNSService.class).toInstance(jamesDns));
        for (int i = 0; i < 3; i++) {
            E2e.submit(james.smtpPort(), "dane.test", Map.of());
        }
        for (int i = 0; i < 2; i++) {
            E2e.submit(james.smtpPort(), "sts.test", Map.of());
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> sessions(tlsResults()) == 5);
        // Two real reports, as a reporter would mail them: a TLS report (Google's) and a DMARC aggregate report.
        assertThat(E2e.put(james.webAdminPort(), "/users/" + RUA, "{\"password\":\"secret\"}").statusCode()).isEqualTo(204);
        byte[] tlsReport = Files.readAllBytes(org.mailsec.testing.TestData.dir().resolve("tlsrpt-reports/isseis_tlsrpt_failure.eml"));
        for (org.mailsec.tlsrpt.TlsReport r : new org.mailsec.tlsrpt.TlsReportReader().read(tlsReport, "tls report")) {
            for (String domain : r.policyDomains()) {
                E2e.put(james.webAdminPort(), "/domains/" + domain, "");
            }
        }
        byte[] dmarcReport = Files.readAllBytes(org.mailsec.testing.TestData.dir().resolve("dmarc-aggregate/cryinc_hardfail.xml"));
        E2e.put(james.webAdminPort(), "/domains/mydomain.org", "");
        ReportMails.sendAsIs(james.smtpPort(), tlsReport, RUA);
        ReportMails.sendAsIs(james.smtpPort(), ReportMails.withAttachment("dmarc", "application/xml", "report.xml", dmarcReport,
            "Report Domain: mydomain.org Submitter: reporter.example", RUA), RUA);
        await().atMost(Duration.ofSeconds(30)).until(() -> E2e.get(james.webAdminPort(), REPORTS_RANGE.replace("KIND", "tls")).size() == 1
            && E2e.get(james.webAdminPort(), REPORTS_RANGE.replace("KIND", "dmarc")).size() == 1);

        ChromeDriverService service = new ChromeDriverService.Builder()
            .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        // As root in a container, without a GPU, and with no network to call home to (which Chromium tries at start).
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-quic", "--window-size=1400,1800", "--user-data-dir=" + Files.createDirectories(tmp.resolve("chromium")));
        browser = new ChromeDriver(service, options);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (james != null) {
            james.close();
        }
        mxHosts.forEach(LoopbackMx::close);
        if (https != null) {
            https.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    private JsonNode tlsResults() throws Exception {
        return E2e.get(james.webAdminPort(), "/mailsec/tls-results?day=" + LocalDate.now(ZoneOffset.UTC));
    }

    private static long sessions(JsonNode results) {
        long n = 0;
        for (JsonNode r : results) {
            n += r.get("sessions").asLong();
        }
        return n;
    }

    /** Opens a page, waits until it has loaded, checks that no script failed and keeps a screenshot of it. */
    private void open(String hash, String page) throws Exception {
        browser.get("http://127.0.0.1:" + james.webAdminPort() + "/mailsec/ui#" + hash);
        loaded(page);
    }

    private void loaded(String page) throws Exception {
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> {
            WebElement main = d.findElement(By.id("page"));
            return page.equals(main.getAttribute("data-page")) && "true".equals(main.getAttribute("data-loaded"));
        });
        assertThat(((JavascriptExecutor) browser).executeScript("return window.mailsecErrors")).as(page)
            .asList().isEmpty();
        assertThat(browser.findElement(By.id("error")).isDisplayed()).as(page + ": " + browser.findElement(By.id("error"))
            .getText()).isFalse();
        Files.write(SCREENSHOTS.resolve(page + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    private List<List<String>> rows(String tableId) {
        List<List<String>> rows = new ArrayList<>();
        for (WebElement tr : browser.findElements(By.cssSelector("#" + tableId + " tbody tr"))) {
            // Numbers are shown with thousands separators; the routes give them bare.
            rows.add(tr.findElements(By.tagName("td")).stream().map(WebElement::getText)
                .map(t -> t.matches("[0-9,]+") ? t.replace(",", "") : t).toList());
        }
        return rows;
    }

    @Test
    void theOverviewShowsTodaysSessionsAsTheJsonRoutesCountThem() throws Exception {
        open("overview", "overview");
        JsonNode results = tlsResults();
        long success = 0;
        long failure = 0;
        for (JsonNode r : results) {
            if (r.get("result").asText().equals("success")) {
                success += r.get("sessions").asLong();
            } else {
                failure += r.get("sessions").asLong();
            }
        }
        assertThat(success).isEqualTo(3);
        assertThat(failure).isEqualTo(2);
        List<List<String>> days = rows("tls-per-day");
        assertThat(days).hasSize(7);
        assertThat(days.get(6)).containsExactly(LocalDate.now(ZoneOffset.UTC).toString(), "3", "2");
        assertThat(rows("tls-failure-types")).containsExactly(List.of("certificate-expired", "2"));
        assertThat(rows("top-failing-domains")).containsExactly(List.of("sts.test", "2"));
        assertThat(rows("top-failing-mx")).containsExactly(List.of("mx.sts.test", "2"));
        // The charts are drawn (Chart.js knows them), each beside its table.
        assertThat(((JavascriptExecutor) browser).executeScript(
            "return ['chart-tls-per-day','chart-failure-types','chart-dmarc'].map(id => !!Chart.getChart(id))"))
            .asList().containsExactly(true, true, true);
        new Select(browser.findElement(By.id("days"))).selectByValue("30");
        loaded("overview");
        assertThat(rows("tls-per-day")).hasSize(30);
    }

    @Test
    void theOutgoingTlsPageListsEveryResultAndFiltersFailures() throws Exception {
        open("tls-results", "tls-results");
        assertThat(rows("tls-results-table")).hasSize(tlsResults().size());
        browser.findElement(By.id("failures-only")).click();
        loaded("tls-results");
        List<List<String>> failures = rows("tls-results-table");
        assertThat(failures).hasSize(1);
        assertThat(failures.get(0)).contains("sts.test", "sts", "mx.sts.test", "certificate-expired", "2");
    }

    @Test
    void theReportsPageListsTheReportsReceivedAndShowsOneWhole() throws Exception {
        open("reports/all", "reports");
        JsonNode tls = E2e.get(james.webAdminPort(), REPORTS_RANGE.replace("KIND", "tls")).get(0);
        List<List<String>> tlsRows = rows("tls-reports-table");
        assertThat(tlsRows).hasSize(1);
        assertThat(tlsRows.get(0)).containsExactly(tls.get("organization").asText(), tls.get("policyDomain").asText(),
            tls.get("begin").asText(), tls.get("end").asText(), tls.get("success").asText(), tls.get("failure").asText(), "no");
        JsonNode dmarc = E2e.get(james.webAdminPort(), REPORTS_RANGE.replace("KIND", "dmarc")).get(0);
        List<List<String>> dmarcRows = rows("dmarc-reports-table");
        assertThat(dmarcRows).hasSize(1);
        assertThat(dmarcRows.get(0).subList(0, 2)).containsExactly(dmarc.get("organization").asText(), "mydomain.org");
        assertThat(dmarcRows.get(0).get(4)).isEqualTo(dmarc.get("messages").asText());
        browser.findElement(By.cssSelector("#tls-reports-table tbody tr")).click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.findElement(By.id("report-details")).getText()
            .contains(tls.get("reportId").asText()));
        Files.write(SCREENSHOTS.resolve("reports-details.png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void theDmarcReportsRowsAreSummedBySourceAddress() throws Exception {
        // The real report is of 2024: the route over its period names the failing source, as the overview's table does
        // for its own period (the last 7 or 30 days: nothing here).
        JsonNode sources = E2e.get(james.webAdminPort(), "/mailsec/dmarc-reports/sources?start=2000-01-01T00:00:00Z&end=2100-01-01T00:00:00Z");
        assertThat(sources.get("reports").asInt()).isEqualTo(1);
        assertThat(sources.get("sources").get(0).get("dmarcFail").asLong()).isEqualTo(1);
        assertThat(sources.get("sources").get(0).get("domains").toString()).contains("mydomain.org");
        open("overview", "overview");
        assertThat(rows("dmarc-failing-sources")).containsExactly(List.of("nothing"));
        assertThat(rows("dmarc-per-day")).hasSize(7);
    }

    @Test
    void theOtherPagesLoadWithWhatTheRoutesSay() throws Exception {
        open("evaluations", "evaluations");
        assertThat(rows("evaluations-table").size()).isEqualTo(Math.max(1,
            E2e.get(james.webAdminPort(), "/mailsec/dmarc-evaluations").size()));
        open("policies", "policies");
        List<List<String>> policies = rows("policies-table");
        assertThat(policies).hasSize(1);
        assertThat(policies.get(0).subList(0, 3)).containsExactly("sts.test", "testing", "1");
    }

    @Test
    void aSuppressionAddedOnThePageIsInTheJsonRoute() throws Exception {
        open("suppressions", "suppressions");
        browser.findElement(By.id("suppress-address")).sendKeys("tlsrpt@noisy.example");
        browser.findElement(By.id("suppress-comment")).sendKeys("asked by phone");
        browser.findElement(By.cssSelector("#suppress-form button[type=submit]")).click();
        await().atMost(Duration.ofSeconds(10)).until(() -> E2e.get(james.webAdminPort(), "/mailsec/suppressions/tls")
            .toString().contains("tlsrpt@noisy.example"));
        loaded("suppressions");
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> rows("suppressions-tls").stream()
            .anyMatch(r -> r.contains("tlsrpt@noisy.example")));
        JsonNode entry = E2e.get(james.webAdminPort(), "/mailsec/suppressions/tls").get(0);
        assertThat(entry.get("comment").asText()).isEqualTo("asked by phone");
        Files.write(SCREENSHOTS.resolve("suppressions-added.png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void theDomainCheckShowsEachPartInItsColour() throws Exception {
        open("check/sts.test", "check");
        JsonNode check = E2e.get(james.webAdminPort(), "/mailsec/domains/sts.test/check");
        WebElement status = browser.findElement(By.id("check-status"));
        assertThat(status.getText()).isEqualTo(check.get("status").asText());
        assertThat(status.getAttribute("class")).isEqualTo("status-" + check.get("status").asText());
        assertThat(rows("check-parts")).hasSize(check.get("parts").size());
        assertThat(browser.findElement(By.id("check-parts")).getText()).contains("certificate of mx.sts.test expired");
    }
}
