package org.mailsec.webadmin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.james.webadmin.PublicRoutes;
import spark.Service;

/**
 * {@code GET /mailsec/ui}: the dashboard, a page served by webadmin (so never on the internet-facing listener). Only
 * its static shell is public — HTML, CSS, its script and Chart.js from the WebJar — with nothing in it from the store;
 * the script reads every number from the JSON routes with the operator's bearer token, which webadmin's JWT checks.
 * Everything is in the jar: nothing is fetched from the internet, and the content security policy allows only this
 * origin.
 */
public class DashboardRoutes implements PublicRoutes {

    public static final String BASE = "/mailsec/ui";
    /** The Chart.js WebJar's version, as in james/pom.xml. */
    static final String CHART_JS_VERSION = "4.5.1";
    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private record Asset(String type, byte[] bytes) {
    }

    private final Map<String, Asset> assets = Map.of(
        "", asset("text/html; charset=utf-8", "org/mailsec/ui/index.html"),
        "/app.js", asset("text/javascript; charset=utf-8", "org/mailsec/ui/app.js"),
        "/style.css", asset("text/css; charset=utf-8", "org/mailsec/ui/style.css"),
        "/chart.umd.min.js", asset("text/javascript; charset=utf-8",
            "META-INF/resources/webjars/chart.js/" + CHART_JS_VERSION + "/dist/chart.umd.min.js"));

    @Override
    public String getBasePath() {
        return BASE;
    }

    @Override
    public void define(Service service) {
        assets.forEach((path, asset) -> service.get(BASE + path, (request, response) -> {
            response.type(asset.type());
            response.header("Content-Security-Policy", POLICY);
            response.header("X-Content-Type-Options", "nosniff");
            response.header("Referrer-Policy", "no-referrer");
            response.header("Cache-Control", "no-cache");
            response.raw().getOutputStream().write(asset.bytes());
            return "";
        }));
    }

    private static Asset asset(String type, String resource) {
        try (InputStream in = DashboardRoutes.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("mailsec: the dashboard's " + resource + " is missing from the class path");
            }
            return new Asset(type, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
