package org.mailsec.webadmin;

import com.codahale.metrics.MetricRegistry;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.dropwizard.DropwizardExports;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.StringWriter;
import javax.inject.Inject;
import org.apache.james.webadmin.Routes;
import spark.Service;

/**
 * {@code GET /mailsec/metrics}: James's metric registry — mailsec's counters (every name in {@code MailsecMetrics}),
 * James's own and the JVM's — in Prometheus's text format, read live at each scrape. Behind webadmin's
 * authentication like every route: give Prometheus the operator's bearer token.
 */
public class MetricsRoutes implements Routes {

    public static final String BASE = "/mailsec/metrics";

    private final CollectorRegistry registry = new CollectorRegistry();

    @Inject
    public MetricsRoutes(MetricRegistry metrics) {
        registry.register(new DropwizardExports(metrics));
    }

    @Override
    public String getBasePath() {
        return BASE;
    }

    @Override
    public void define(Service service) {
        MailsecRoutes.answerMalformedRequestsWith400(service);
        service.get(BASE, (request, response) -> {
            StringWriter text = new StringWriter();
            TextFormat.write004(text, registry.metricFamilySamples());
            response.type(TextFormat.CONTENT_TYPE_004);
            return text.toString();
        });
    }
}
