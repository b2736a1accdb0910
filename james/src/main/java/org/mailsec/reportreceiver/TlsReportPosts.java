package org.mailsec.reportreceiver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.metrics.api.MetricFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.AbstractHandler;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.io.BoundedStreams;
import org.mailsec.io.InputLimits;
import org.mailsec.io.RejectedInputException;
import org.mailsec.intake.OurNames;
import org.mailsec.store.StoreException;
import org.mailsec.store.tlsreport.IncomingTlsReports;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.store.rejected.RejectedReports;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One posted TLS report (RFC 8460 §5.3): {@code POST} of {@code application/tlsrpt+gzip} or
 * {@code application/tlsrpt+json} to the configured path. Nothing authenticates the poster, so reports are
 * stored marked unauthenticated, by default only when they are about our domains, and at most
 * {@code rate.per.minute} posts per client address are taken.
 * <ul>
 *   <li>201 stored, 200 already stored (a retry), 400 not a TLS report, 403 about none of our domains,</li>
 *   <li>404 other path, 405 not a POST, 413 too large, 415 other content type, 429 too many posts,
 *       503 the store failed (the poster may retry).</li>
 * </ul>
 */
final class TlsReportPosts extends AbstractHandler {

    private static final Logger LOG = LoggerFactory.getLogger(TlsReportPosts.class);
    private static final Set<String> TYPES = Set.of("application/tlsrpt+gzip", "application/tlsrpt+json");

    private final ReceiverSettings settings;
    private final IncomingTlsReports reports;
    private final RejectedReports rejectedReports;
    private final OurNames ourNames;
    private final MetricFactory metrics;
    private final Clock clock;
    private final ClientRateLimit rateLimit;
    private final TlsReportReader reader;
    private volatile ConnectionGuard guard;

    TlsReportPosts(ReceiverSettings settings, InputLimits limits, IncomingTlsReports reports,
                   RejectedReports rejectedReports, DomainList domains, MetricFactory metrics, Clock clock) {
        this.settings = settings;
        this.reports = reports;
        this.rejectedReports = rejectedReports;
        this.ourNames = new OurNames(domains, Set.of());
        this.metrics = metrics;
        this.clock = clock;
        this.rateLimit = new ClientRateLimit(settings.ratePerMinute(), clock);
        this.reader = new TlsReportReader(limits.withMaxInputBytes(settings.maxBytes()));
    }

    /** The guard of the connections this handler's requests come on, told when headers have arrived. */
    void guardedBy(ConnectionGuard guard) {
        this.guard = guard;
    }

    @Override
    public void handle(String target, Request base, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        base.setHandled(true);
        ConnectionGuard g = guard;
        if (g != null && base.getRemoteInetSocketAddress() != null) {
            g.headersReceived(base.getRemoteInetSocketAddress());
        }
        // One post per connection: a kept-alive connection would get a fresh header deadline for nothing.
        response.setHeader("Connection", "close");
        try {
            Exchange exchange = new Exchange(request, response);
            String client = request.getRemoteAddr();
            if (!request.getRequestURI().equals(settings.path())) {
                respond(exchange, 404, "no such resource; TLS reports go to " + settings.path());
                return;
            }
            if (!"POST".equals(request.getMethod())) {
                response.setHeader("Allow", "POST");
                respond(exchange, 405, "POST a TLS report (RFC 8460 §5.3)");
                return;
            }
            if (!rateLimit.tryAcquire(ClientRateLimit.key(base.getRemoteInetSocketAddress().getAddress()))) {
                metrics.generate(MailsecMetrics.TLS_REPORTS_HTTPS_RATE_LIMITED).increment();
                response.setHeader("Retry-After", "60");
                respond(exchange, 429, "too many reports from " + client + "; try again later");
                return;
            }
            String type = Optional.ofNullable(request.getContentType()).orElse("")
                .split(";")[0].trim().toLowerCase(Locale.ROOT);
            if (!TYPES.contains(type)) {
                refuse(exchange, client, 415, "content type '" + type + "' is not application/tlsrpt+gzip or application/tlsrpt+json");
                return;
            }
            if (request.getContentLengthLong() > settings.maxBytes()) {
                drain(request.getInputStream());
                refuse(exchange, client, 413, "the report is larger than " + settings.maxBytes() + " bytes");
                return;
            }
            byte[] body;
            InputStream in = request.getInputStream();
            try {
                body = BoundedStreams.readAtMost(in, settings.maxBytes(), "the report");
            } catch (RejectedInputException e) {
                drain(in);
                refuse(exchange, client, 413, e.getMessage());
                return;
            }
            List<TlsReport> read;
            try {
                read = reader.read(body, type.endsWith("gzip") ? "report.json.gz" : "report.json");
            } catch (RejectedInputException e) {
                refuse(exchange, client, 400, e.getMessage());
                return;
            } catch (RuntimeException e) {
                // Whatever a hostile body makes the reader throw is the body's fault: 400 and a refusal row.
                LOG.warn("posted TLS report from {} made the reader fail", client, e);
                refuse(exchange, client, 400, "unreadable report (" + e.getClass().getSimpleName() + ")");
                return;
            }
            store(exchange, client, read);
        } catch (RuntimeException e) {
            LOG.error("mailsec: posted TLS report not handled", e);
            throw e;
        }
    }

    private record Exchange(HttpServletRequest request, HttpServletResponse response) {
    }

    private void store(Exchange exchange, String client, List<TlsReport> read) throws IOException {
        boolean added = false;
        List<String> ids = new ArrayList<>();
        for (TlsReport report : read) {
            String policyDomain = report.firstPolicyDomain();
            if (settings.onlyOurDomains() && report.policyDomains().stream().noneMatch(ourNames::contains)) {
                refuse(exchange, client, 403, "report " + report.reportId() + " from " + report.organizationName()
                    + " is about no domain of ours (" + String.join(", ", report.policyDomains()) + ")");
                return;
            }
            try {
                Optional<Long> id = reports.add(report, policyDomain, client, "", true, clock.instant());
                if (id.isPresent()) {
                    added = true;
                    ids.add(String.valueOf(id.get()));
                    metrics.generate(MailsecMetrics.received("tls", "received")).increment();
                    LOG.info("TLS report {} from {} about {} posted by {} stored as {} (unauthenticated)", report.reportId(),
                        report.organizationName(), policyDomain, client, id.get());
                } else {
                    metrics.generate(MailsecMetrics.received("tls", "duplicate")).increment();
                }
            } catch (StoreException e) {
                LOG.warn("TLS report {} posted by {} not stored: {}", report.reportId(), client, e.getMessage());
                respond(exchange, 503, "the report cannot be stored now; try again later");
                return;
            }
        }
        respond(exchange, added ? 201 : 200, added ? "stored as " + String.join(",", ids) : "already stored");
    }

    /**
     * Reads and discards what is left of a body we refuse (up to four times the cap), so that the poster can read
     * our 413 instead of a connection cut in the middle of its upload.
     */
    private void drain(InputStream in) {
        try {
            long left = 4L * settings.maxBytes();
            byte[] buffer = new byte[16 * 1024];
            int n;
            while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
                left -= n;
            }
        } catch (IOException e) {
            // the poster went away: nothing to answer
        }
    }

    /** A post that is not stored: the reason is logged, counted, kept for webadmin and told to the poster. */
    private void refuse(Exchange exchange, String client, int status, String why) throws IOException {
        metrics.generate(MailsecMetrics.received("tls", "rejected")).increment();
        LOG.info("TLS report posted by {} not stored ({}): {}", client, status, why);
        try {
            rejectedReports.add(RejectedReport.of(RejectedReport.Kind.TLS, clock.instant(), "https from " + client, "", "",
                "", why));
        } catch (RuntimeException e) {
            LOG.warn("cannot record why the TLS report posted by {} was refused: {}", client, e.getMessage());
        }
        respond(exchange, status, why);
    }

    private static void respond(Exchange exchange, int status, String text) throws IOException {
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        HttpServletResponse response = exchange.response();
        response.setStatus(status);
        response.setContentType("text/plain; charset=utf-8");
        response.setContentLength(body.length);
        try (OutputStream out = response.getOutputStream()) {
            out.write(body);
        }
    }
}
