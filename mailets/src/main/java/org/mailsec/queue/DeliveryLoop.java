package org.mailsec.queue;

import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.connect.CurrentPlan;
import static org.apache.james.transport.mailets.remote.delivery.Bouncer.IS_DELIVERY_PERMANENT_ERROR;

import java.time.Duration;
import java.util.Date;
import java.util.Locale;
import java.util.Optional;
import javax.mail.MessagingException;
import org.apache.james.core.MailAddress;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.metrics.api.Metric;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.metrics.api.TimeMetric;
import org.apache.james.queue.api.MailPrioritySupport;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.transport.mailets.remote.delivery.Bouncer;
import org.apache.james.transport.mailets.remote.delivery.DeliveryRetriesHelper;
import org.apache.james.transport.mailets.remote.delivery.ExecutionResult;
import org.apache.james.transport.mailets.remote.delivery.MailDelivrer;
import org.apache.james.transport.mailets.remote.delivery.RemoteDeliveryConfiguration;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.mailsec.plan.DeliveryFlags;
import org.mailsec.plan.DeliveryPlan;
import org.mailsec.plan.DeliveryPlanner;
import org.mailsec.mail.MailsecAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The outgoing queue's consumer: plan the delivery, let James's {@link MailDelivrer} walk the MX hosts,
 * then retry with RemoteDelivery's delays or bounce, as RemoteDelivery does. Mails carrying our own TLS
 * reports get at most {@value #REPORT_ATTEMPTS} attempts and are never bounced.
 */
final class DeliveryLoop {

    static final int REPORT_ATTEMPTS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryLoop.class);

    private final MailQueue queue;
    private final RemoteDeliveryConfiguration configuration;
    private final MailDelivrer mailDelivrer;
    private final DeliveryPlanner planner;
    private final Bouncer bouncer;
    private final MailetContext context;
    private final MetricFactory metrics;
    private final Metric outgoing;
    private final Metric droppedReports;
    private final ReportBounceListener reportBounces;
    private Disposable subscription;
    private Scheduler workers;
    private Scheduler dequeuer;

    DeliveryLoop(MailQueue queue, RemoteDeliveryConfiguration configuration, MailDelivrer mailDelivrer,
                 DeliveryPlanner planner, Bouncer bouncer, MailetContext context, MetricFactory metrics,
                 ReportBounceListener reportBounces) {
        this.reportBounces = reportBounces;
        this.queue = queue;
        this.configuration = configuration;
        this.mailDelivrer = mailDelivrer;
        this.planner = planner;
        this.bouncer = bouncer;
        this.context = context;
        this.metrics = metrics;
        this.outgoing = metrics.generate(MailsecMetrics.OUTGOING_MAILS);
        this.droppedReports = metrics.generate(MailsecMetrics.REPORT_MAILS_DROPPED);
    }

    void start(int concurrency) {
        workers = Schedulers.newBoundedElastic(Schedulers.DEFAULT_BOUNDED_ELASTIC_SIZE,
            Schedulers.DEFAULT_BOUNDED_ELASTIC_QUEUESIZE, "SecureRemoteDelivery-Process");
        dequeuer = Schedulers.newSingle("SecureRemoteDelivery-Dequeue");
        subscription = Flux.from(queue.deQueue())
            .flatMap(item -> Mono.fromRunnable(() -> process(item)).subscribeOn(workers), concurrency)
            .onErrorContinue((error, item) -> LOG.error("SecureRemoteDelivery: unexpected error", error))
            .subscribeOn(dequeuer)
            .subscribe();
    }

    void stop() {
        if (subscription != null) {
            subscription.dispose();
            dequeuer.dispose();
            workers.disposeGracefully().timeout(Duration.ofSeconds(2)).onErrorResume(e -> Mono.empty()).block();
        }
    }

    private void process(MailQueue.MailQueueItem item) {
        Mail mail = item.getMail();
        TimeMetric trial = metrics.timer(MailsecMetrics.DELIVERY_TRIAL);
        try {
            attemptDelivery(mail);
            item.done(MailQueue.MailQueueItem.CompletionStatus.SUCCESS);
        } catch (Throwable e) {
            // Whatever threw, the mail waits RemoteDelivery's retry delay before the next attempt: requeueing at once
            // turned one failing store call into a hot loop of attempts (issue "under attack", item 5).
            LOG.error("SecureRemoteDelivery failed to handle {}; it is retried after the usual delay", mail.getName(), e);
            try {
                temporaryFailure(mail, flags(mail), ExecutionResult.temporaryFailure(
                    e instanceof Exception ex ? ex : new Exception(e.toString(), e)));
                item.done(MailQueue.MailQueueItem.CompletionStatus.SUCCESS);
            } catch (Throwable again) {
                LOG.error("could not requeue {} with a delay; the queue takes it back", mail.getName(), again);
                try {
                    item.done(MailQueue.MailQueueItem.CompletionStatus.RETRY);
                } catch (Throwable lost) {
                    LOG.error("could not requeue {}", mail.getName(), lost);
                }
            }
        } finally {
            trial.stopAndPublish();
            LifecycleUtil.dispose(mail);
        }
    }

    /** One delivery attempt and what follows from it (visible for the benchmark of decisions). */
    void attemptDelivery(Mail mail) throws MailQueue.MailQueueException {
        DeliveryFlags flags = flags(mail);
        ExecutionResult result = configuration.getGatewayServer().isEmpty() ? deliverDirect(mail, flags)
            : mailDelivrer.deliver(mail);
        switch (result.getExecutionState()) {
            case SUCCESS -> {
                outgoing.increment();
                if (configuration.getOnSuccess().isPresent()) {
                    try {
                        context.sendMail(mail, configuration.getOnSuccess().get().getValue());
                    } catch (MessagingException e) {
                        LOG.error("could not send {} to the onSuccess processor", mail.getName(), e);
                    }
                }
            }
            case TEMPORARY_FAILURE -> temporaryFailure(mail, flags, result);
            case PERMANENT_FAILURE -> permanentFailure(mail, flags, result);
        }
    }

    private ExecutionResult deliverDirect(Mail mail, DeliveryFlags flags) {
        Optional<MailAddress> first = mail.getRecipients().stream().findFirst();
        if (first.isEmpty()) {
            return mailDelivrer.deliver(mail);
        }
        TimeMetric planning = metrics.timer(MailsecMetrics.DELIVERY_PLAN);
        DeliveryPlan plan = planner.plan(first.get().getDomain().asString(), flags);
        planning.stopAndPublish();
        Optional<String> blocked = plan.blocked();
        if (blocked.isPresent()) {
            if (plan.requireTlsUnmetByEveryHost()) {
                LOG.info("Mail {} returned: {}", mail.getName(), blocked.get());
                return ExecutionResult.permanentFailure(new MessagingException("5.7.30 REQUIRETLS support required: "
                    + blocked.get()));
            }
            LOG.info("Mail {} not delivered now: {}", mail.getName(), blocked.get());
            MessagingException why = new MessagingException(blocked.get());
            return plan.permanent() ? ExecutionResult.permanentFailure(why) : ExecutionResult.temporaryFailure(why);
        }
        CurrentPlan.set(plan);
        try {
            ExecutionResult result = mailDelivrer.deliver(mail);
            if (flags.requireTls() && result.getExecutionState() == ExecutionResult.ExecutionState.TEMPORARY_FAILURE
                    && plan.requireTlsAnswerIsFinal()) {
                Optional<String> unmet = CurrentPlan.requireTlsUnmetEverywhere();
                if (unmet.isPresent()) {
                    // RFC 8689 §4.2.1 and §5: no MX can take it; the sender learns now, not when retries run out.
                    LOG.info("Mail {} returned: no MX host of {} can take a REQUIRETLS mail: {}", mail.getName(),
                        plan.domain(), unmet.get());
                    return ExecutionResult.permanentFailure(new MessagingException("5.7.30 REQUIRETLS support required: "
                        + "no MX host of " + plan.domain() + " can take this message (" + unmet.get() + ")"));
                }
            }
            return result;
        } finally {
            CurrentPlan.clear();
        }
    }

    private void permanentFailure(Mail mail, DeliveryFlags flags, ExecutionResult result) {
        if (flags.ownReport()) {
            dropReport(mail, result);
            String reason = result.getException().map(DeliveryLoop::serverAnswer).orElse("permanent failure");
            for (MailAddress rcpt : mail.getRecipients()) {
                try {
                    reportBounces.hardBounce(rcpt, reason, reportKind(mail));
                } catch (RuntimeException e) {
                    // The attempt is over either way: a failed suppression must not make it run again.
                    LOG.error("could not suppress {} after its refusal of report mail {}", rcpt, mail.getName(), e);
                }
            }
            return;
        }
        mail.setAttribute(new Attribute(IS_DELIVERY_PERMANENT_ERROR, AttributeValue.of(true)));
        bouncer.bounce(mail, result.getException().orElse(null));
    }

    private void temporaryFailure(Mail mail, DeliveryFlags flags, ExecutionResult result) throws MailQueue.MailQueueException {
        if (!Mail.ERROR.equals(mail.getState())) {
            mail.setState(Mail.ERROR);
            DeliveryRetriesHelper.initRetries(mail);
            mail.setLastUpdated(new Date());
        }
        mail.setAttribute(new Attribute(IS_DELIVERY_PERMANENT_ERROR, AttributeValue.of(false)));
        int retries = DeliveryRetriesHelper.retrieveRetries(mail);
        int maxRetries = flags.ownReport() ? REPORT_ATTEMPTS - 1 : configuration.getMaxRetries();
        if (retries >= maxRetries) {
            if (flags.ownReport()) {
                dropReport(mail, result);
                return;
            }
            bouncer.bounce(mail, new Exception("Too many retries failure. Bouncing after " + retries + " retries.",
                result.getException().orElse(null)));
            return;
        }
        DeliveryRetriesHelper.incrementRetries(mail);
        mail.setLastUpdated(new Date());
        int attempt = DeliveryRetriesHelper.retrieveRetries(mail);
        Duration delay = attempt > configuration.getDelayTimes().size()
            ? Duration.ofHours(6) : configuration.getDelayTimes().get(attempt - 1);
        if (configuration.isUsePriority()) {
            mail.setAttribute(MailPrioritySupport.LOW_PRIORITY_ATTRIBUTE);
        }
        LOG.info("Mail {} will be retried in {} (attempt {}): {}", mail.getName(), delay, attempt,
            result.getException().map(Throwable::getMessage).orElse("temporary failure"));
        queue.enQueue(mail, delay);
    }

    private void dropReport(Mail mail, ExecutionResult result) {
        droppedReports.increment();
        LOG.warn("TLS report mail {} to {} given up after {} attempt(s), not bounced: {}", mail.getName(),
            mail.getRecipients(), DeliveryRetriesHelper.retrieveRetries(mail) + 1,
            result.getException().map(Throwable::getMessage).orElse("failure"));
    }

    /** The receiving server's own words (e.g. "550 5.1.1 no such mailbox"), deepest in javax.mail's chain. */
    static String serverAnswer(Exception error) {
        String answer = String.valueOf(error.getMessage()).trim();
        Exception next = error;
        while (next instanceof MessagingException me && me.getNextException() != null && me.getNextException() != me) {
            next = me.getNextException();
            if (next.getMessage() != null && !next.getMessage().isBlank()) {
                answer = next.getMessage().trim();
            }
        }
        return answer;
    }

    /** Which of our reports a mail carries: its {@code mailsec.report.kind}; TLS reports of before that attribute. */
    private static String reportKind(Mail mail) {
        return mail.getAttribute(MailsecAttributes.OWN_REPORT_KIND).map(a -> String.valueOf(a.getValue().value()))
            .filter(k -> k.equals("dmarc")).orElse("tls");
    }

    static DeliveryFlags flags(Mail mail) {
        boolean requireTls = isTrue(mail, MailsecAttributes.REQUIRE_TLS);
        boolean ownReport = isTrue(mail, MailsecAttributes.OWN_REPORT);
        boolean tlsOptional = false;
        try {
            String[] tlsRequired = mail.getMessage().getHeader("TLS-Required");
            tlsOptional = tlsRequired != null && tlsRequired.length > 0
                && tlsRequired[0].trim().toLowerCase(Locale.ROOT).equals("no");
            ownReport |= mail.getMessage().getHeader("TLS-Report-Domain") != null
                && mail.getMessage().getHeader("TLS-Report-Submitter") != null;
        } catch (MessagingException e) {
            LOG.debug("headers of {} unreadable: {}", mail.getName(), e.getMessage());
        }
        return new DeliveryFlags(requireTls, tlsOptional, ownReport);
    }

    private static boolean isTrue(Mail mail, AttributeName name) {
        return mail.getAttribute(name)
            .map(a -> a.getValue().value())
            .map(v -> v instanceof Boolean b ? b : "true".equalsIgnoreCase(String.valueOf(v).trim()))
            .orElse(false);
    }
}
