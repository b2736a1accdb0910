package org.mailsec.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.apache.james.dnsservice.api.DNSService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webadmin as the README tells an operator to secure it: the sample conf's commented JWT lines turned on, and its
 * pinned CORS origin. mailsec's routes then answer 401 without a token, 401 with a forged one, and 200 with a
 * token signed by the operator's key; no other origin is allowed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebadminAuthenticationEndToEndTest {

    private static final List<String> MAILSEC_ROUTES = List.of("/mailsec/tls-results", "/mailsec/mta-sts/policies",
        "/mailsec/suppressions/tls", "/mailsec/tls-reports", "/mailsec/dmarc-reports/rejected", "/mailsec/metrics");

    private final HttpClient http = HttpClient.newHttpClient();
    private KeyPair operatorKey;
    private MailsecServer james;

    @BeforeAll
    void boot(@TempDir Path tmp) throws Exception {
        Path conf = E2e.configuration(tmp, E2e.pairs("mailsec.reports.enabled", "false"), Optional.empty());
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        operatorKey = rsa.generateKeyPair();
        Files.writeString(conf.resolve("jwt_publickey"), "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(operatorKey.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n");
        Path webadmin = conf.resolve("webadmin.properties");
        Files.writeString(webadmin, Files.readString(webadmin)
            .replace("#jwt.enabled=true", "jwt.enabled=true")
            .replace("#jwt.publickeypem.url=file://conf/jwt_publickey", "jwt.publickeypem.url=file://conf/jwt_publickey"));
        var jamesDns = E2e.jamesDns();
        james = MailsecServer.start(conf, tmp.resolve("james"), binder -> binder.bind(DNSService.class).toInstance(jamesDns));
    }

    @AfterAll
    void stop() {
        if (james != null) {
            james.close();
        }
    }

    /** An RS256 JWT (RFC 7519) with the claims James's webadmin asks of an administrator. */
    private static String token(KeyPair key, String claims) throws Exception {
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String signed = url.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
            + url.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initSign(key.getPrivate());
        rs256.update(signed.getBytes(StandardCharsets.US_ASCII));
        return signed + "." + url.encodeToString(rs256.sign());
    }

    private HttpResponse<String> get(String path, Optional<String> token, Optional<String> origin) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + james.webAdminPort() + path));
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        origin.ifPresent(o -> request.header("Origin", o));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void mailsecRoutesNeedTheOperatorsToken() throws Exception {
        String admin = token(operatorKey, "{\"sub\":\"admin@localhost\",\"admin\":true}");
        KeyPair stranger = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        String forged = token(stranger, "{\"sub\":\"admin@localhost\",\"admin\":true}");
        String notAdmin = token(operatorKey, "{\"sub\":\"user@localhost\"}");
        for (String route : MAILSEC_ROUTES) {
            assertThat(get(route, Optional.empty(), Optional.empty()).statusCode()).as(route + " without a token").isEqualTo(401);
            assertThat(get(route, Optional.of(forged), Optional.empty()).statusCode()).as(route + " forged").isEqualTo(401);
            assertThat(get(route, Optional.of(notAdmin), Optional.empty()).statusCode()).as(route + " not admin").isEqualTo(401);
            HttpResponse<String> ok = get(route, Optional.of(admin), Optional.empty());
            assertThat(ok.statusCode()).as(route + " " + ok.body()).isEqualTo(200);
        }
        // The dashboard's shell is public (it holds no data); what its script reads is not.
        for (String asset : List.of("/mailsec/ui", "/mailsec/ui/app.js", "/mailsec/ui/chart.umd.min.js")) {
            HttpResponse<String> shell = get(asset, Optional.empty(), Optional.empty());
            assertThat(shell.statusCode()).as(asset).isEqualTo(200);
            assertThat(shell.headers().firstValue("Content-Security-Policy").orElse("")).as(asset).contains("default-src 'none'");
        }
        // The domain check's base path is guarded too (a name it refuses: no DNS needed to tell 401 from 400).
        String check = "/mailsec/domains/a..b/check";
        assertThat(get(check, Optional.empty(), Optional.empty()).statusCode()).as(check + " without a token").isEqualTo(401);
        assertThat(get(check, Optional.of(admin), Optional.empty()).statusCode()).as(check).isEqualTo(400);
    }

    @Test
    void anotherOriginIsNotAllowedToReadTheAdminApi() throws Exception {
        String admin = token(operatorKey, "{\"sub\":\"admin@localhost\",\"admin\":true}");
        HttpResponse<String> response = get("/mailsec/tls-results", Optional.of(admin), Optional.of("https://evil.example"));
        assertThat(response.headers().allValues("Access-Control-Allow-Origin"))
            .doesNotContain("*", "https://evil.example").containsExactly("http://127.0.0.1:8000");
    }
}
