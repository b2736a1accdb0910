package org.mailsec.reportreceiver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
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
import org.mailsec.intake.Arrival;
import org.mailsec.intake.IntakeResult;
import org.mailsec.intake.OurNames;
import org.mailsec.intake.ReportIntake;
import org.mailsec.intake.TlsReportFormat;
import org.mailsec.store.tlsreport.IncomingTlsReports;
import org.mailsec.store.rejected.RejectedReports;
import org.mailsec.tlsrpt.TlsReport;
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
    private final ReportIntake<TlsReport> intake;
    private final MetricFactory metrics;
    private final ClientRateLimit rateLimit;
    private volatile ConnectionGuard guard;

    TlsReportPosts(ReceiverSettings settings, InputLimits limits, IncomingTlsReports reports,
                   RejectedReports rejectedReports, DomainList domains, MetricFactory metrics, Clock clock) {
        this.settings = settings;
        // Nothing authenticates a post: no DKIM to check, and the intake stores it marked unauthenticated.
        this.intake = new ReportIntake<>(new TlsReportFormat(reports, limits.withMaxInputBytes(settings.maxBytes())),
            new ReportIntake.Rules(settings.onlyOurDomains(), false), new OurNames(domains, Set.of()), null,
            rejectedReports, metrics, clock);
        this.metrics = metrics;
        this.rateLimit = new ClientRateLimit(settings.ratePerMinute(), clock);
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
            answer(exchange, intake.accept(body, Arrival.posted(client, type.endsWith("gzip") ? "report.json.gz" : "report.json")));
        } catch (RuntimeException e) {
            LOG.error("mailsec: posted TLS report not handled", e);
            throw e;
        }
    }

    private record Exchange(HttpServletRequest request, HttpServletResponse response) {
    }

    /** The intake's answer in RFC 8460 §5.3 terms: 5xx only where the poster should retry. */
    private void answer(Exchange exchange, IntakeResult result) throws IOException {
        Optional<IntakeResult.Refusal> refusal = result.first(IntakeResult.Cause.UNREADABLE)
            .or(() -> result.first(IntakeResult.Cause.STORE_UNAVAILABLE))
            .or(() -> result.first(IntakeResult.Cause.NOT_OURS));
        if (refusal.isPresent()) {
            int status = switch (refusal.get().cause()) {
                case STORE_UNAVAILABLE -> 503;
                case NOT_OURS -> 403;
                default -> 400;
            };
            respond(exchange, status, refusal.get().reason());
        } else if (!result.storedIds().isEmpty()) {
            respond(exchange, 201, "stored as " + String.join(",", result.storedIds()));
        } else {
            respond(exchange, 200, "already stored");
        }
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

    /** A post refused before its body is read: the reason is logged, counted, kept for webadmin and told to the poster. */
    private void refuse(Exchange exchange, String client, int status, String why) throws IOException {
        intake.refuse(Arrival.posted(client, "report.json"), why);
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
