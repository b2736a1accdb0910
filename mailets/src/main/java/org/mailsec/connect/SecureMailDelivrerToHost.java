package org.mailsec.connect;

import static com.sun.mail.smtp.SMTPMessage.NOTIFY_DELAY;
import static com.sun.mail.smtp.SMTPMessage.NOTIFY_FAILURE;
import static com.sun.mail.smtp.SMTPMessage.NOTIFY_NEVER;
import static com.sun.mail.smtp.SMTPMessage.NOTIFY_SUCCESS;
import static com.sun.mail.smtp.SMTPMessage.RETURN_FULL;
import static com.sun.mail.smtp.SMTPMessage.RETURN_HDRS;

import com.sun.mail.smtp.SMTPMessage;
import com.sun.mail.smtp.SMTPTransport;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import javax.net.ssl.X509TrustManager;
import org.apache.james.core.MailAddress;
import org.apache.james.metrics.api.Metric;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.transport.mailets.remote.delivery.ExecutionResult;
import org.apache.james.transport.mailets.remote.delivery.MailDelivrerToHost;
import org.apache.james.transport.mailets.remote.delivery.RemoteDeliveryConfiguration;
import org.apache.mailet.DsnParameters;
import org.apache.mailet.HostAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.apache.mailet.base.Converter7Bit;
import org.mailsec.tlsrpt.PolicyType;
import org.mailsec.dane.SmtpTrustManager;
import org.mailsec.dane.TlsPolicy;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.plan.DeliveryPlan;
import org.mailsec.plan.HostPlan;
import org.mailsec.outcome.ReportPolicy;
import org.mailsec.outcome.TlsFailures;
import org.mailsec.outcome.TlsOutcomes;
import org.mailsec.tlsrpt.ResultType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers to one MX host the way its {@link HostPlan} says: STARTTLS always attempted, certificates checked
 * by the host's policy (DANE, PKIX + name, or none), plaintext refused where a policy requires TLS, and the
 * outcome of every TLS negotiation counted. A host that fails the policy makes James try the next MX (the
 * failure is thrown wrapping an {@link IOException}, James's signal for "next host"). A delivered mail leaves
 * its connection to the next mail for the same host and policy ({@link SmtpConnections}); new connections may
 * resume an earlier TLS session under the same policy ({@link TlsSessions}).
 */
public final class SecureMailDelivrerToHost extends MailDelivrerToHost {

    private static final Logger LOG = LoggerFactory.getLogger(SecureMailDelivrerToHost.class);
    private static final String BIT_MIME_8 = "8BITMIME";
    private static final String REQUIRETLS = "REQUIRETLS";

    private final RemoteDeliveryConfiguration configuration;
    private final Converter7Bit converter7Bit;
    private final TlsOutcomes outcomes;
    private final X509TrustManager pkix;
    private final Clock clock;
    private final Properties baseProperties;
    private final ConcurrentLinkedQueue<Session> sessions = new ConcurrentLinkedQueue<>();
    private final TlsSessions tlsSessions;
    private final SmtpConnections connections;
    private final Metric resumedSessions;
    private final Metric reusedConnections;

    public SecureMailDelivrerToHost(RemoteDeliveryConfiguration configuration, MailetContext mailetContext,
                                    TlsOutcomes outcomes, X509TrustManager pkix, Clock clock,
                                    SmtpConnections.Limits reuse, TlsSessions tlsSessions, MetricFactory metrics) {
        super(configuration, mailetContext);
        this.resumedSessions = metrics.generate(MailsecMetrics.TLS_SESSIONS_RESUMED);
        this.reusedConnections = metrics.generate(MailsecMetrics.SMTP_CONNECTIONS_REUSED);
        this.configuration = configuration;
        this.converter7Bit = new Converter7Bit(mailetContext);
        this.outcomes = outcomes;
        this.pkix = pkix;
        this.clock = clock;
        this.tlsSessions = tlsSessions;
        this.connections = new SmtpConnections(reuse, this::quit);
        this.baseProperties = configuration.createFinalJavaxProperties();
        // Identity checks belong to the policy's trust manager; STARTTLS is always tried, required per host.
        baseProperties.put("mail.smtp.ssl.checkserveridentity", "false");
        baseProperties.put("mail.smtp.starttls.required", "false");
        // QUIT without waiting for the answer: closing kept connections at shutdown must not wait on slow peers.
        baseProperties.put("mail.smtp.quitwait", "false");
    }

    @Override
    public ExecutionResult tryDeliveryToHost(Mail mail, Collection<InternetAddress> addresses, HostAddress server)
            throws MessagingException {
        Optional<DeliveryPlan> plan = CurrentPlan.get();
        HostPlan host = plan.flatMap(p -> p.host(server.getHostName()))
            .orElseGet(() -> gatewayHost(server));
        String domain = plan.map(DeliveryPlan::domain).orElse("");
        boolean ownReport = plan.map(p -> p.flags().ownReport()).orElse(false);
        boolean requireTls = plan.map(p -> p.flags().requireTls()).orElse(false);
        CurrentPlan.tried();
        if (host.refusal().isPresent()) {
            throw nextHost(host.refusal().get().message());
        }
        String ip = server.getHost();
        int port = server.getPort();
        SmtpConnections.Key key = new SmtpConnections.Key(domain, host.mx(), ip, port, host.tlsPolicy(),
            host.enforcement(), host.report(), ownReport, requireTls, configuration.getHeloNameProvider().getHeloName());
        // A connection kept from an earlier mail had its session counted, and its TLS judged, when it was opened.
        Optional<SmtpConnections.Connection> kept = connections.take(key);
        if (kept.isPresent()) {
            reusedConnections.increment();
            try {
                return deliver(mail, kept.get(), addresses, requireTls);
            } catch (MessagingException e) {
                if (!nothingSent(e)) {
                    throw e;
                }
                // RSET passed, yet the transaction failed before any recipient was taken (a server that limits
                // mails per connection, or closed it): the mail deserves a connection of its own.
                LOG.debug("mail {} failed on a kept connection to {} ({}): {}; trying a new one", mail.getName(),
                    host.mx(), ip, e.getMessage());
            }
        }
        return deliver(mail, open(mail, host, domain, ownReport, requireTls, key), addresses, requireTls);
    }

    /** Sends the mail on {@code connection}, then keeps the connection for the next mail or closes it. */
    private ExecutionResult deliver(Mail mail, SmtpConnections.Connection connection, Collection<InternetAddress> addresses,
                                    boolean requireTls) throws MessagingException {
        boolean delivered = false;
        try {
            send(mail, connection, addresses, requireTls);
            connection.sent();
            delivered = true;
            LOG.info("Mail {} delivered to {} at {} ({}{}) for {}", mail.getName(), connection.key.mx(),
                connection.key.ip(), connection.transport.isSSL() ? "TLS" : "plaintext",
                connection.mails() > 1 ? ", mail " + connection.mails() + " on this connection" : "", mail.getRecipients());
            return ExecutionResult.success();
        } finally {
            if (delivered) {
                connections.give(connection);
            } else {
                quit(connection);
            }
        }
    }

    /** The failure came before any recipient was accepted or refused: no part of the mail was sent. */
    private static boolean nothingSent(MessagingException e) {
        for (Exception next = e; next != null; next = next instanceof MessagingException m ? m.getNextException() : null) {
            if (next instanceof com.sun.mail.smtp.SMTPAddressFailedException
                    || next instanceof com.sun.mail.smtp.SMTPAddressSucceededException) {
                return false;
            }
            if (next instanceof javax.mail.SendFailedException sent && sent.getValidSentAddresses() != null
                    && sent.getValidSentAddresses().length > 0) {
                return false;
            }
        }
        return true;
    }

    /** A new connection to the host, its TLS negotiated, judged by the host's policy and counted. */
    private SmtpConnections.Connection open(Mail mail, HostPlan host, String domain, boolean ownReport,
                                            boolean requireTls, SmtpConnections.Key key) throws MessagingException {
        String ip = key.ip();
        int port = key.port();
        Attempt attempt = connect(mail, host, ip, port, requireTls, true);
        if (attempt.failure.isPresent()) {
            TlsFailures.Failure failure = attempt.failure.get();
            outcomes.failure(host.report(), domain, ownReport, failure.type(), failure.reasonCode(),
                new TlsOutcomes.Connection(host.mx(), ip, attempt.factory.sendingIp()));
            if (host.tlsRequired()) {
                throw nextHost("TLS with " + host.mx() + " (" + ip + ") failed: " + failure.type().value()
                    + " (" + failure.reasonCode() + ")");
            }
            // Opportunistic or report-only: like any MTA, fall back to plaintext after a failed handshake.
            attempt = connect(mail, host, ip, port, false, false);
            if (attempt.failure.isPresent()) {
                throw nextHost("connection to " + host.mx() + " (" + ip + ") failed");
            }
        }
        SmtpConnections.Connection connection = connections.opened(key, attempt.session, attempt.transport,
            attempt.factory);
        try {
            checkTls(host, domain, ownReport, ip, attempt);
            if (requireTls && !attempt.transport.supportsExtension(REQUIRETLS)) {
                String why = "REQUIRETLS: " + host.mx() + " does not support REQUIRETLS";
                CurrentPlan.requireTlsUnmet(why);
                throw nextHost(why);
            }
            return connection;
        } catch (MessagingException | RuntimeException e) {
            quit(connection);
            throw e;
        }
    }

    /** The outcome of a connection that reached the SMTP dialogue. */
    private void checkTls(HostPlan host, String domain, boolean ownReport, String ip, Attempt attempt)
            throws MessagingException {
        TlsOutcomes.Connection connection = new TlsOutcomes.Connection(host.mx(), ip, attempt.factory.sendingIp());
        if (!attempt.transport.isSSL()) {
            boolean policyAsked = host.report().hasPolicy() || host.tlsRequired();
            if (attempt.triedTls && policyAsked) {
                outcomes.failure(host.report(), domain, ownReport, ResultType.STARTTLS_NOT_SUPPORTED,
                    "starttls-not-offered", connection);
            }
            if (host.tlsRequired()) {
                // Not the MX name first: James takes a message starting with "5" for a permanent failure.
                throw nextHost("MX host " + host.mx() + " (" + ip + ") does not offer STARTTLS, which " + why(host)
                    + " requires");
            }
            return;
        }
        Optional<SmtpTrustManager.Outcome> outcome = attempt.factory.outcome();
        if (outcome.isEmpty()) {
            // TLS without a verification of ours (connect() re-checks every resumed session): never a success.
            outcomes.failure(host.report(), domain, ownReport, ResultType.VALIDATION_FAILURE, "tls-unverified", connection);
            if (host.tlsRequired()) {
                throw nextHost("TLS with " + host.mx() + " (" + ip + ") was not verified");
            }
            return;
        }
        Optional<TlsFailures.Failure> failure = outcome.flatMap(SmtpTrustManager.Outcome::failure)
            .flatMap(TlsFailures::classify);
        if (failure.isPresent()) {
            // A report-only policy let the connection go on; its session must not be resumed as if verified.
            attempt.factory.forget();
            outcomes.failure(host.report(), domain, ownReport, failure.get().type(), failure.get().reasonCode(), connection);
        } else {
            outcomes.success(host.report(), domain, ownReport, connection);
        }
    }

    private record Attempt(Session session, SMTPTransport transport, StartTlsSocketFactory factory,
                           Optional<TlsFailures.Failure> failure, boolean triedTls) {
    }

    private Attempt connect(Mail mail, HostPlan host, String ip, int port, boolean requireTlsExtension, boolean tryTls)
            throws MessagingException {
        Attempt attempt = connectOnce(mail, host, ip, port, requireTlsExtension, tryTls, false);
        if (attempt.transport == null || !attempt.factory.resumed()) {
            return attempt;
        }
        try {
            if (attempt.factory.verifyResumed()) {
                resumedSessions.increment();
                return attempt;
            }
        } catch (RuntimeException e) {
            quit(attempt.session, attempt.transport);
            throw nextHost("TLS with " + host.mx() + " (" + ip + ") could not be checked: " + e, e);
        }
        // The chain the session was made with fails the policy now (expired since, say): not counted, not used;
        // a full handshake, on a context with nothing to resume, shows what the server presents today.
        LOG.debug("resumed TLS session with {} ({}) no longer passes its policy; connecting again", host.mx(), ip);
        quit(attempt.session, attempt.transport);
        return connectOnce(mail, host, ip, port, requireTlsExtension, tryTls, true);
    }

    private Attempt connectOnce(Mail mail, HostPlan host, String ip, int port, boolean requireTlsExtension,
                                boolean tryTls, boolean fullHandshake) throws MessagingException {
        StartTlsSocketFactory factory = new StartTlsSocketFactory(host.mx(), host.tlsPolicy(), host.reportOnly(), pkix,
            clock, tlsSessions, fullHandshake);
        Session session = borrow();
        Properties props = session.getProperties();
        props.put("mail.smtp.starttls.enable", String.valueOf(tryTls));
        // An object-valued factory is only honoured when it sits in the Session's own properties.
        props.put("mail.smtp.ssl.socketFactory", factory);
        if (requireTlsExtension) {
            props.put("mail.smtp.mailextension", REQUIRETLS);
        }
        SMTPTransport transport = (SMTPTransport) session.getTransport("smtp");
        transport.setLocalHost(configuration.getHeloNameProvider().getHeloName());
        try {
            transport.connect(ip, port, null, null);
            return new Attempt(session, transport, factory, Optional.empty(), tryTls);
        } catch (MessagingException e) {
            release(session);
            Optional<TlsFailures.Failure> failure = factory.starttlsOffered() ? classifyHandshake(factory, e) : Optional.empty();
            if (failure.isEmpty()) {
                throw nextHost("connection to " + host.mx() + " (" + ip + ":" + port + ") failed: " + e.getMessage(), e);
            }
            return new Attempt(session, null, factory, failure, tryTls);
        }
    }

    private static Optional<TlsFailures.Failure> classifyHandshake(StartTlsSocketFactory factory, MessagingException e) {
        Optional<TlsFailures.Failure> fromVerifier = factory.outcome().flatMap(SmtpTrustManager.Outcome::failure)
            .flatMap(TlsFailures::classify);
        if (fromVerifier.isPresent()) {
            return fromVerifier;
        }
        return TlsFailures.classify(e).or(() -> Optional.of(
            new TlsFailures.Failure(ResultType.VALIDATION_FAILURE, "tls-handshake-failed")));
    }

    private static String why(HostPlan host) {
        if (host.tlsPolicy() instanceof TlsPolicy.Dane || host.report().type() == PolicyType.TLSA) {
            return "DANE";
        }
        if (host.report().type() == PolicyType.STS) {
            return "the MTA-STS policy";
        }
        return "REQUIRETLS";
    }

    /** The gateway (smarthost) case, where no recipient-domain policy applies: opportunistic TLS, unreported. */
    private static HostPlan gatewayHost(HostAddress server) {
        String name = server.getHostName();
        return HostPlan.opportunistic(name, List.of(), server.getPort(),
            new ReportPolicy(name, false, PolicyType.NO_POLICY_FOUND, List.of(), "", false));
    }

    private void send(Mail mail, SmtpConnections.Connection connection, Collection<InternetAddress> addresses,
                      boolean requireTls) throws MessagingException {
        SMTPTransport transport = connection.transport;
        // Read by javax.mail at MAIL FROM; the session belongs to this connection alone.
        connection.session.getProperties().put("mail.smtp.from", mail.getMaybeSender().asString());
        MimeMessage message = adapt(mail.getMessage(), transport);
        Optional<DsnParameters> dsn = mail.dsnParameters();
        if (dsn.isEmpty()) {
            transport.sendMessage(message, addresses.toArray(InternetAddress[]::new));
            return;
        }
        // Recipients sharing a NOTIFY option go in one transaction (javax.mail sets NOTIFY per message).
        Map<Integer, List<InternetAddress>> byNotify = new LinkedHashMap<>();
        for (InternetAddress address : addresses) {
            int notify = notifyOf(dsn.get(), address);
            byNotify.computeIfAbsent(notify, n -> new ArrayList<>()).add(address);
        }
        List<Integer> notifies = new ArrayList<>(byNotify.keySet());
        List<List<InternetAddress>> groups = new ArrayList<>(byNotify.values());
        List<InternetAddress> delivered = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            List<InternetAddress> group = groups.get(g);
            SMTPMessage smtpMessage = new SMTPMessage(message);
            if (notifies.get(g) != 0) {
                smtpMessage.setNotifyOptions(notifies.get(g));
            }
            dsn.get().getRetParameter().ifPresent(ret ->
                smtpMessage.setReturnOption(ret == DsnParameters.Ret.FULL ? RETURN_FULL : RETURN_HDRS));
            dsn.get().getEnvIdParameter().ifPresent(envId -> {
                if (transport.supportsExtension("DSN")) {
                    // The message's extension replaces the session's: REQUIRETLS must be repeated here.
                    smtpMessage.setMailExtension((requireTls ? REQUIRETLS + " " : "") + "ENVID=" + envId.asString());
                }
            });
            try {
                transport.sendMessage(smtpMessage, group.toArray(InternetAddress[]::new));
            } catch (MessagingException e) {
                if (groups.size() == 1) {
                    throw e;
                }
                throw partly(e, delivered, groups.subList(g, groups.size()));
            }
            delivered.addAll(group);
        }
    }

    /**
     * One NOTIFY group failed: James must learn of every recipient, or it would send the groups delivered before
     * again, or forget the groups not tried yet.
     */
    private static javax.mail.SendFailedException partly(MessagingException e, List<InternetAddress> delivered,
                                                         List<List<InternetAddress>> rest) {
        List<javax.mail.Address> sent = new ArrayList<>(delivered);
        List<javax.mail.Address> unsent = new ArrayList<>();
        List<javax.mail.Address> invalid = new ArrayList<>();
        if (e instanceof javax.mail.SendFailedException failed) {
            addAll(sent, failed.getValidSentAddresses());
            addAll(unsent, failed.getValidUnsentAddresses());
            addAll(invalid, failed.getInvalidAddresses());
        } else {
            unsent.addAll(rest.get(0));
        }
        rest.subList(1, rest.size()).forEach(unsent::addAll);
        return new javax.mail.SendFailedException(e.getMessage(), e, sent.toArray(javax.mail.Address[]::new),
            unsent.toArray(javax.mail.Address[]::new), invalid.toArray(javax.mail.Address[]::new));
    }

    private static void addAll(List<javax.mail.Address> to, javax.mail.Address[] addresses) {
        if (addresses != null) {
            to.addAll(List.of(addresses));
        }
    }

    private static int notifyOf(DsnParameters dsn, InternetAddress address) {
        try {
            DsnParameters.RecipientDsnParameters rcpt = dsn.getRcptParameters().get(new MailAddress(address.getAddress()));
            if (rcpt == null || rcpt.getNotifyParameter().isEmpty()) {
                return 0;
            }
            EnumSet<DsnParameters.Notify> notify = rcpt.getNotifyParameter().get();
            int value = 0;
            for (DsnParameters.Notify n : notify) {
                value |= switch (n) {
                    case NEVER -> NOTIFY_NEVER;
                    case SUCCESS -> NOTIFY_SUCCESS;
                    case FAILURE -> NOTIFY_FAILURE;
                    case DELAY -> NOTIFY_DELAY;
                };
            }
            return value;
        } catch (javax.mail.internet.AddressException e) {
            return 0;
        }
    }

    private MimeMessage adapt(MimeMessage message, SMTPTransport transport) throws MessagingException {
        if (!transport.supportsExtension(BIT_MIME_8)) {
            try {
                converter7Bit.convertTo7Bit(message);
            } catch (IOException e) {
                LOG.error("Error during the conversion to 7 bit.", e);
            }
        }
        return message;
    }

    /** Ends a connection: QUIT, then its session goes back for the next connection. */
    private void quit(SmtpConnections.Connection connection) {
        quit(connection.session, connection.transport);
    }

    private void quit(Session session, SMTPTransport transport) {
        try {
            transport.close();
        } catch (MessagingException | RuntimeException e) {
            // QUIT failed after the transaction: the message was delivered (as James's own deliverer decides).
            LOG.debug("closing the connection to {} failed: {}", transport.getURLName(), e.getMessage());
        }
        release(session);
    }

    /** Closes the connections kept for reuse (at the mailet's end). */
    public void closeConnections() {
        connections.close();
    }

    private Session borrow() {
        Session session = sessions.poll();
        if (session == null) {
            Properties props = new Properties();
            props.putAll(baseProperties);
            session = Session.getInstance(props);
        }
        return session;
    }

    private void release(Session session) {
        Properties props = session.getProperties();
        props.remove("mail.smtp.ssl.socketFactory");
        props.remove("mail.smtp.from");
        props.remove("mail.smtp.mailextension");
        sessions.offer(session);
    }

    private static MessagingException nextHost(String message) {
        return new MessagingException(message, new IOException(message));
    }

    private static MessagingException nextHost(String message, Exception cause) {
        return new MessagingException(message, new IOException(message, cause));
    }
}
