package org.mailsec.policyhost;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.james.domainlist.api.DomainListException;
import org.apache.james.metrics.api.MetricFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.AbstractHandler;
import org.mailsec.dns.DnsException;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.mtasts.HostedPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET https://mta-sts.<domain>/.well-known/mta-sts.txt} (RFC 8461 §3.3) for James's domains, on the
 * internet-facing HTTPS listener: 200 {@code text/plain} with the policy; 404 for a host that is not
 * {@code mta-sts.} of one of James's domains; 405 for other methods; 503 when the MX hosts cannot be looked up now.
 * Other paths are left to the next handler.
 */
public final class MtaStsPolicyHandler extends AbstractHandler {

    public static final String PATH = "/.well-known/mta-sts.txt";
    private static final Logger LOG = LoggerFactory.getLogger(MtaStsPolicyHandler.class);
    private static final String PREFIX = "mta-sts.";

    private final HostedPolicies policies;
    private final MetricFactory metrics;

    public MtaStsPolicyHandler(HostedPolicies policies, MetricFactory metrics) {
        this.policies = policies;
        this.metrics = metrics;
    }

    @Override
    public void handle(String target, Request base, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        if (!PATH.equals(target)) {
            return;
        }
        base.setHandled(true);
        if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
            response.setHeader("Allow", "GET, HEAD");
            answer(response, 405, "only GET\n");
            return;
        }
        // The policy host is the name the sender asked for (Host, without a port), not the certificate's.
        String host = request.getServerName() == null ? "" : request.getServerName().toLowerCase(Locale.ROOT);
        Optional<HostedPolicy> policy = Optional.empty();
        try {
            if (host.startsWith(PREFIX)) {
                policy = policies.forDomain(host.substring(PREFIX.length()));
            }
        } catch (DnsException | DomainListException | RuntimeException e) {
            metrics.generate(MailsecMetrics.MTASTS_POLICY_UNAVAILABLE).increment();
            LOG.warn("mailsec: the MTA-STS policy for {} cannot be made now: {}", host, e.getMessage());
            response.setHeader("Retry-After", "60");
            answer(response, 503, "the policy cannot be made now\n");
            return;
        }
        if (policy.isEmpty()) {
            metrics.generate(MailsecMetrics.MTASTS_POLICY_UNKNOWN_HOST).increment();
            answer(response, 404, "no MTA-STS policy here for " + host + "\n");
            return;
        }
        metrics.generate(MailsecMetrics.MTASTS_POLICY_SERVED).increment();
        answer(response, 200, policy.get().text());
    }

    private static void answer(HttpServletResponse response, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
        response.setStatus(status);
        response.setContentType("text/plain");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
