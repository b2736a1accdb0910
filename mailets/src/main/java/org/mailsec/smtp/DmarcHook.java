package org.mailsec.smtp;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.inject.Inject;
import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;
import org.apache.james.core.MailAddress;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.server.core.MailImpl;
import org.apache.james.server.core.MimeMessageSource;
import org.apache.james.server.core.MimeMessageWrapper;
import org.apache.james.smtpserver.JamesMessageHook;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.mailsec.authentication.AuthenticationResults;
import org.mailsec.authentication.DkimVerification;
import org.mailsec.authentication.DmarcEvaluations;
import org.mailsec.authentication.EvaluationJson;
import org.mailsec.authentication.DmarcSettings;
import org.mailsec.authentication.MessageAuthentication;
import org.mailsec.authentication.RawMessage;
import org.mailsec.dmarc.DmarcRecord;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.dmarc.DmarcVerifier;
import org.mailsec.dmarc.OrganizationalDomains;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dns.DomainNames;
import org.mailsec.mail.MailsecAttributes;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.store.dmarc.Evaluation;
import org.mailsec.store.dmarc.Evaluations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DMARC (RFC 7489) for the mail James receives, decided at the end of DATA, while the client can still be told
 * {@code 550 5.7.1} (its own server bounces: James creates no backscatter). SPF of the MAIL FROM and HELO, every DKIM
 * signature and DMARC are evaluated through mailsec's resolver; the verdict goes on the mail as an
 * {@code Authentication-Results} field (RFC 8601, ours replacing any that claim our authserv-id) and as attributes
 * ({@code mailsec.dmarc.result}, {@code mailsec.dmarc.disposition}, …) for matchers: a quarantined mail is accepted and
 * the conf sends it to the Spam folder. Add to the handler chain of {@code smtpserver.xml}:
 * {@code <handler class="org.mailsec.smtp.DmarcHook"/>}. Whatever goes wrong, the mail is accepted unevaluated, never
 * lost.
 */
public class DmarcHook implements JamesMessageHook {

    private static final Logger LOG = LoggerFactory.getLogger(DmarcHook.class);
    private static final String VERDICT_LINE = "DMARC {} for {} from {} ({}): disposition {}{}; spf {} {}, dkim {}";

    private final MessageAuthentication authentication;
    private final DmarcEvaluations evaluationRecords;
    private final Evaluations evaluations;
    private final DmarcSettings settings;
    private final MetricFactory metrics;
    private final Clock clock;

    @Inject
    public DmarcHook(DnsResolver resolver, Evaluations evaluations, DmarcSettings settings, MetricFactory metrics,
                     Clock clock) {
        // With private suffixes (uk.com, eu.org): two registrants under one of them are not one organization.
        OrganizationalDomains organizationalDomains = OrganizationalDomains.guavaWithPrivateSuffixes();
        this.evaluationRecords = new DmarcEvaluations(organizationalDomains);
        this.evaluations = evaluations;
        this.clock = clock;
        this.authentication = MessageAuthentication.withBudget(resolver, settings.dnsBudget(), organizationalDomains);
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public HookResult onMessage(SMTPSession session, Mail mail) {
        if (!settings.enabled()) {
            return HookResult.DECLINED;
        }
        try {
            if (settings.skipAuthenticated() && (session.getUsername() != null || session.isRelayingAllowed())) {
                // Not evaluated, but a field claiming our authserv-id is still not passed on as ours (RFC 8601 §5).
                removeForged(mail, mail.getMessage(), authservId(session));
                return HookResult.DECLINED;
            }
            return evaluate(session, mail);
        } catch (MessagingException | RuntimeException | StackOverflowError e) {
            metrics.generate(MailsecMetrics.DMARC_EVALUATION_FAILURES).increment();
            LOG.warn("mail {} accepted without DMARC evaluation", mail.getName(), e);
            return HookResult.DECLINED;
        }
    }

    private HookResult evaluate(SMTPSession session, Mail mail) throws MessagingException {
        MimeMessage message = mail.getMessage();
        RawMessage raw = new RawMessage(bytes(message));
        InetAddress client = session.getRemoteAddress().getAddress();
        String helo = session.getAttachment(SMTPSession.CURRENT_HELO_NAME, ProtocolSession.State.Connection).orElse("");
        MessageAuthentication.Verdict verdict = authentication.evaluate(raw, client, helo, reversePath(mail));
        DmarcVerifier.Result dmarc = verdict.dmarc();
        String result = dmarc.status().name().toLowerCase(Locale.ROOT);
        Optional<String> override = dmarc.disposition() == DmarcRecord.Policy.NONE ? Optional.empty()
            : override(client, message, verdict.fromDomain());
        DmarcSettings.Enforcement enforcement = settings.enforcementFor(recipientDomains(mail));
        boolean monitor = enforcement.monitor();
        String disposition = monitor || override.isPresent() ? "none" : dmarc.disposition().value();
        count(verdict, result, disposition);
        String dkimSummary = dkimSummary(verdict);
        try {
            mark(mail, raw, session, verdict, result, disposition, override, dkimSummary);
        } catch (MessagingException | RuntimeException e) {
            // A header that James's MIME classes cannot rewrite must not turn a verdict into an acceptance.
            metrics.generate(MailsecMetrics.DMARC_EVALUATION_FAILURES).increment();
            LOG.warn("mail {}: DMARC {} not written on it: {}", mail.getName(), result, e.toString());
        }
        Object[] logged = {result, verdict.fromDomain(), client.getHostAddress(), mail.getName(), disposition,
            override.map(o -> " (override: " + o + ")").orElse(""), verdict.mailFrom().result().value(),
            verdict.mailFrom().domain(), dkimSummary};
        // A pass is the common case and changes nothing: a line for each would be most of the log (and of its cost).
        if (dmarc.status() == DmarcVerifier.Status.PASS) {
            LOG.debug(VERDICT_LINE, logged);
        } else {
            LOG.info(VERDICT_LINE, logged);
        }
        if (dmarc.status() == DmarcVerifier.Status.TEMPERROR && enforcement.deferTemperror() && !monitor) {
            return HookResult.builder().hookReturnCode(HookReturnCode.denySoft()).smtpReturnCode("451")
                .smtpDescription("4.7.0 DMARC of " + verdict.fromDomain() + " cannot be checked now; try again later").build();
        }
        // A quarantine that pct or t=y stepped down from reject is not turned back into a reject (RFC 9989 t=y).
        boolean reject = (dmarc.reject() || dmarc.quarantine() && enforcement.quarantineAsReject() && !dmarc.sampledOut())
            && !monitor && override.isEmpty();
        keep(mail, verdict, client, reject, disposition, override);
        if (reject) {
            // The reply says it was DMARC, and whose policy: the sender can tell its operator what to fix.
            return HookResult.builder().hookReturnCode(HookReturnCode.deny()).smtpReturnCode("550")
                .smtpDescription("5.7.1 rejected by the DMARC policy of " + verdict.fromDomain() + " ("
                    + dmarc.message() + ")").build();
        }
        return HookResult.DECLINED;
    }

    /**
     * Keeps the message's evaluations for its policy domain's aggregate reports: now for a message we reject; through
     * the mail (stored by StoreDmarcEvaluations) for one we accept, so that a message another check refuses after this
     * hook leaves none.
     */
    private void keep(Mail mail, MessageAuthentication.Verdict verdict, InetAddress client, boolean reject, String disposition,
                      Optional<String> override) {
        DmarcVerifier.Result dmarc = verdict.dmarc();
        if (dmarc.record().isEmpty() || dmarc.record().get().aggregateUris().isEmpty()) {
            return;
        }
        Set<String> recipientDomains = recipientDomains(mail);
        boolean toOurReportAddress = mail.getRecipients().stream()
            .anyMatch(r -> settings.reportAddresses().contains(r.asString().toLowerCase(Locale.ROOT)));
        String applied = dmarc.status() == DmarcVerifier.Status.PASS ? "pass" : reject ? "reject" : disposition;
        try {
            // mox's rule: a reject of a domain that never got mail through us is no reason to send it reports.
            boolean optional = toOurReportAddress || reject && !evaluations.anyAccepted(dmarc.recordDomain());
            List<Evaluation> made = evaluationRecords.of(verdict, client.getHostAddress(), reversePath(mail),
                recipientDomains, applied, override.map(o -> new AggregateReport.Reason(o, "")).stream().toList(), optional,
                clock.instant());
            if (reject) {
                evaluations.addAll(made);
            } else {
                mail.setAttribute(new Attribute(MailsecAttributes.DMARC_EVALUATIONS, AttributeValue.of(EvaluationJson.write(made))));
            }
        } catch (RuntimeException e) {
            metrics.generate(MailsecMetrics.DMARC_EVALUATION_FAILURES).increment();
            LOG.warn("DMARC evaluation of mail {} for {} not kept for reports: {}", mail.getName(), dmarc.recordDomain(),
                e.getMessage());
        }
    }

    /**
     * The local policy that lets a failing message through (RFC 7489 Appendix C, PolicyOverrideType): a trusted forwarder,
     * a listed mailing list, or an allowed sender domain. ARC (RFC 8617) is not evaluated.
     */
    private Optional<String> override(InetAddress client, MimeMessage message, String fromDomain) throws MessagingException {
        if (settings.trustedForwarders().contains(client)) {
            return Optional.of("trusted_forwarder");
        }
        String listId = message.getHeader("List-Id", null);
        if (listId != null && !settings.mailingLists().isEmpty()) {
            // RFC 2919: "Name <list-label.list-id-namespace>"; the id is what is between the angle brackets.
            int open = listId.lastIndexOf('<');
            int close = listId.lastIndexOf('>');
            String id = open >= 0 && close > open ? listId.substring(open + 1, close) : listId;
            if (settings.mailingLists().contains(id.trim().toLowerCase(Locale.ROOT))) {
                return Optional.of("mailing_list");
            }
        }
        return settings.allowedSenders().contains(fromDomain) ? Optional.of("local_policy") : Optional.empty();
    }

    private void mark(Mail mail, RawMessage raw, SMTPSession session, MessageAuthentication.Verdict verdict,
                      String result, String disposition, Optional<String> override, String dkimSummary)
            throws MessagingException {
        String authservId = authservId(session);
        // Ours on top (RFC 8601 §5), any claiming our authserv-id gone, every other byte as received.
        String field = AuthenticationResults.HEADER + ": "
            + AuthenticationResults.value(authservId, verdict, disposition, override);
        replaceMessage(mail, raw.prepended(field, AuthenticationResults.HEADER, value -> forged(mail, value, authservId)));
        mail.setAttribute(new Attribute(MailsecAttributes.DMARC_RESULT, AttributeValue.of(result)));
        mail.setAttribute(new Attribute(MailsecAttributes.DMARC_DISPOSITION, AttributeValue.of(disposition)));
        mail.setAttribute(new Attribute(MailsecAttributes.DMARC_FROM_DOMAIN, AttributeValue.of(verdict.fromDomain())));
        override.ifPresent(o -> mail.setAttribute(new Attribute(MailsecAttributes.DMARC_OVERRIDE, AttributeValue.of(o))));
        mail.setAttribute(new Attribute(MailsecAttributes.SPF_RESULT, AttributeValue.of(verdict.mailFrom().result().value())));
        verdict.helo().ifPresent(h -> mail.setAttribute(new Attribute(MailsecAttributes.SPF_HELO_RESULT,
            AttributeValue.of(h.result().value()))));
        mail.setAttribute(new Attribute(MailsecAttributes.DKIM_RESULTS, AttributeValue.of(dkimSummary)));
    }

    private static Set<String> recipientDomains(Mail mail) {
        Set<String> domains = new LinkedHashSet<>();
        for (MailAddress recipient : mail.getRecipients()) {
            domains.add(DomainNames.normalise(recipient.getDomain().asString()));
        }
        return domains;
    }

    /** The MAIL FROM address; empty for the null reverse path of a bounce. */
    private static String reversePath(Mail mail) {
        return mail.getMaybeSender().isNullSender() ? "" : mail.getMaybeSender().asString("");
    }

    private String authservId(SMTPSession session) {
        return settings.authservId().isEmpty() ? session.getConfiguration().getHelloName() : settings.authservId();
    }

    /** RFC 8601 §5: a received Authentication-Results claiming our authserv-id did not come from us. */
    private static void removeForged(Mail mail, MimeMessage message, String authservId) throws MessagingException {
        String[] received = message.getHeader(AuthenticationResults.HEADER);
        if (received != null && java.util.Arrays.stream(received).anyMatch(v -> AuthenticationResults.ours(v, authservId))) {
            replaceMessage(mail, new RawMessage(bytes(message)).without(AuthenticationResults.HEADER,
                value -> forged(mail, value, authservId)));
        }
    }

    private static boolean forged(Mail mail, String value, String authservId) {
        if (AuthenticationResults.ours(value, authservId)) {
            LOG.info("mail {}: a received Authentication-Results claiming our authserv-id {} removed", mail.getName(),
                authservId);
            return true;
        }
        return false;
    }

    /** The mail's message, replaced by these bytes (James reads the new message from them as it would from SMTP). */
    private static void replaceMessage(Mail mail, byte[] bytes) throws MessagingException {
        MimeMessageSource source = new BytesSource(mail.getName() + "-authenticated", bytes);
        if (mail instanceof MailImpl impl) {
            // Without the copy setMessage makes of a message it is given.
            impl.setMessageContent(source);
        } else {
            mail.setMessage(new MimeMessageWrapper(source));
        }
    }

    /** A message's bytes in memory as James's message source. */
    private static final class BytesSource implements MimeMessageSource {
        private final String id;
        private final byte[] bytes;

        BytesSource(String id, byte[] bytes) {
            this.id = id;
            this.bytes = bytes;
        }

        @Override
        public String getSourceId() {
            return id;
        }

        @Override
        public java.io.InputStream getInputStream() {
            return new java.io.ByteArrayInputStream(bytes);
        }

        @Override
        public long getMessageSize() {
            return bytes.length;
        }
    }

    private void count(MessageAuthentication.Verdict verdict, String result, String disposition) {
        metrics.generate(MailsecMetrics.authentication("spf", verdict.mailFrom().result().value())).increment();
        for (DkimVerification.Signature s : verdict.dkim()) {
            metrics.generate(MailsecMetrics.authentication("dkim", s.result().value())).increment();
        }
        metrics.generate(MailsecMetrics.authentication("dmarc", result)).increment();
        metrics.generate(MailsecMetrics.authentication("dmarc_disposition", disposition)).increment();
    }

    private static String dkimSummary(MessageAuthentication.Verdict verdict) {
        return verdict.dkim().stream().map(s -> s.result().value() + " d=" + s.domain() + " s=" + s.selector())
            .collect(Collectors.joining(", "));
    }

    private static byte[] bytes(MimeMessage message) throws MessagingException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            message.writeTo(out);
        } catch (java.io.IOException e) {
            throw new MessagingException("the message cannot be read", e);
        }
        return out.toByteArray();
    }
}
