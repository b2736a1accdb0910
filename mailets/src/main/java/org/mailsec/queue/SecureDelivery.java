package org.mailsec.queue;

import org.mailsec.connect.PolicyAwareDnsService;
import org.mailsec.connect.SecureMailDelivrerToHost;
import org.mailsec.connect.SmtpConnections;
import org.mailsec.connect.TlsSessions;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.transport.mailets.remote.delivery.Bouncer;
import org.apache.james.transport.mailets.remote.delivery.MailDelivrer;
import org.apache.james.transport.mailets.remote.delivery.RemoteDeliveryConfiguration;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;

/**
 * James's remote delivery pieces assembled around mailsec's: its {@link MailDelivrer} (MX iteration,
 * failure classification) and {@link Bouncer}, fed by the policy-aware DNS view and the policy-enforcing
 * per-host deliverer, consumed by mailsec's queue loop.
 */
public final class SecureDelivery {

    private final DeliveryLoop loop;
    private final SecureMailDelivrerToHost toHost;

    /** One connection per mail and a full TLS handshake each time, as James's RemoteDelivery. */
    public SecureDelivery(MailQueue queue, RemoteDeliveryConfiguration configuration, DNSService dnsService,
                          MetricFactory metrics, MailetContext context, TransportSecurity security) {
        this(queue, configuration, dnsService, metrics, context, security, SmtpConnections.Limits.NO_REUSE,
            new TlsSessions(false, TlsSessions.DEFAULT_LIFETIME));
    }

    public SecureDelivery(MailQueue queue, RemoteDeliveryConfiguration configuration, DNSService dnsService,
                          MetricFactory metrics, MailetContext context, TransportSecurity security,
                          SmtpConnections.Limits reuse, TlsSessions tlsSessions) {
        Bouncer bouncer = new Bouncer(configuration, context);
        this.toHost = new SecureMailDelivrerToHost(configuration, context, security.outcomes(),
            security.pkix(), security.clock(), reuse, tlsSessions, metrics);
        MailDelivrer mailDelivrer = new MailDelivrer(configuration, toHost, new PolicyAwareDnsService(dnsService), bouncer,
            context);
        this.loop = new DeliveryLoop(queue, configuration, mailDelivrer, security.planner(), bouncer, context, metrics,
            security.reportBounces());
    }

    public void start(int concurrency) {
        loop.start(concurrency);
    }

    public void stop() {
        try {
            loop.stop();
        } finally {
            toHost.closeConnections();
        }
    }

    /** One synchronous attempt, outside the queue (tests and benchmarks). */
    public void attempt(Mail mail) throws MailQueue.MailQueueException {
        loop.attemptDelivery(mail);
    }
}
