package org.mailsec.mailets;

import com.google.common.collect.HashMultimap;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.stream.Stream;
import javax.inject.Inject;
import javax.mail.MessagingException;
import org.apache.james.core.Domain;
import org.apache.james.core.MailAddress;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.queue.api.MailPrioritySupport;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.transport.mailets.remote.delivery.RemoteDeliveryConfiguration;
import org.apache.mailet.Mail;
import org.apache.mailet.ProcessingState;
import org.apache.mailet.base.GenericMailet;
import org.mailsec.connect.SmtpConnections;
import org.mailsec.connect.TlsSessions;
import org.mailsec.queue.SecureDelivery;
import org.mailsec.queue.TransportSecurity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A drop-in replacement for James's {@code RemoteDelivery} that enforces MTA-STS (RFC 8461) and DANE
 * (RFC 7672), honours REQUIRETLS and {@code TLS-Required: No} (RFC 8689), and counts every TLS outcome for
 * TLS reports (RFC 8460). It takes every RemoteDelivery parameter ({@code outgoing}, {@code delayTime},
 * {@code maxRetries}, {@code bounceProcessor}, {@code gateway}...). STARTTLS is always attempted;
 * {@code startTLS} and {@code verifyServerIdentity} are superseded by the policies.
 */
public class SecureRemoteDelivery extends GenericMailet {

    private static final Logger LOG = LoggerFactory.getLogger(SecureRemoteDelivery.class);
    /** Concurrent deliveries; RemoteDelivery's own bound. */
    private static final int DEFAULT_CONCURRENCY = 256;

    private final DNSService dnsService;
    private final DomainList domainList;
    private final MailQueueFactory<?> queueFactory;
    private final MetricFactory metricFactory;
    private final TransportSecurity security;
    private RemoteDeliveryConfiguration configuration;
    private MailQueue queue;
    private SecureDelivery delivery;

    @Inject
    public SecureRemoteDelivery(DNSService dnsService, DomainList domainList, MailQueueFactory<?> queueFactory,
                                MetricFactory metricFactory, TransportSecurity security) {
        this.dnsService = dnsService;
        this.domainList = domainList;
        this.queueFactory = queueFactory;
        this.metricFactory = metricFactory;
        this.security = security;
    }

    @Override
    public void init() throws MessagingException {
        configuration = new RemoteDeliveryConfiguration(getMailetConfig(), domainList);
        queue = queueFactory.createQueue(configuration.getOutGoingQueueName());
        int concurrency = positive("deliveryThreads", DEFAULT_CONCURRENCY);
        delivery = new SecureDelivery(queue, configuration, dnsService, metricFactory, getMailetContext(), security,
            connectionReuse(), new TlsSessions(flag("tlsSessionCache", true), TlsSessions.DEFAULT_LIFETIME));
        delivery.start(concurrency);
        LOG.info("SecureRemoteDelivery started on queue {}", configuration.getOutGoingQueueName().asString());
    }

    /** {@code connectionReuseLimit} mails a connection, idle {@code connectionIdleTimeout} s, {@code connectionMaxAge} s. */
    private SmtpConnections.Limits connectionReuse() throws MessagingException {
        SmtpConnections.Limits defaults = SmtpConnections.Limits.DEFAULT;
        int mails = positive("connectionReuseLimit", defaults.mailsPerConnection());
        int idle = positive("connectionIdleTimeout", (int) defaults.idleTimeout().toSeconds());
        int age = positive("connectionMaxAge", (int) defaults.maxAge().toSeconds());
        return new SmtpConnections.Limits(mails, Duration.ofSeconds(idle), Duration.ofSeconds(age));
    }

    private int positive(String name, int defaultValue) throws MessagingException {
        String value = getInitParameter(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new MessagingException("SecureRemoteDelivery: " + name + " must be a positive number, not '" + value + "'");
    }

    private boolean flag(String name, boolean defaultValue) throws MessagingException {
        String value = getInitParameter(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new MessagingException("SecureRemoteDelivery: " + name + " must be true or false, not '"
                + value + "'");
        };
    }

    @Override
    public String getMailetInfo() {
        return "SecureRemoteDelivery (MTA-STS, DANE, TLS reporting)";
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        if (configuration.isUsePriority()) {
            mail.setAttribute(MailPrioritySupport.HIGH_PRIORITY_ATTRIBUTE);
        }
        if (mail.getRecipients().isEmpty()) {
            LOG.debug("Mail {} has no recipients and cannot be delivered remotely", mail.getName());
        } else if (!configuration.getGatewayServer().isEmpty()) {
            queue.enQueue(mail);
        } else {
            // One queue item per recipient domain: each domain has its own policies and MX hosts.
            String name = mail.getName();
            HashMultimap<Domain, MailAddress> byDomain = HashMultimap.create();
            mail.getRecipients().forEach(r -> byDomain.put(r.getDomain(), r));
            for (Map.Entry<Domain, Collection<MailAddress>> entry : byDomain.asMap().entrySet()) {
                mail.setRecipients(entry.getValue());
                mail.setName(name + "-to-" + entry.getKey().name());
                queue.enQueue(mail);
            }
        }
        mail.setState(Mail.GHOST);
    }

    @Override
    public void destroy() {
        if (delivery != null) {
            delivery.stop();
        }
        try {
            if (queue != null) {
                queue.close();
            }
        } catch (IOException e) {
            LOG.debug("error closing queue", e);
        }
    }

    @Override
    public Collection<ProcessingState> requiredProcessingState() {
        return Stream.concat(configuration.getBounceProcessor().stream(), configuration.getOnSuccess().stream()).toList();
    }
}
