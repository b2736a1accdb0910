package org.mailsec.smtp;

import java.util.List;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.core.esmtp.EhloExtension;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.MailParametersHook;
import org.apache.james.smtpserver.JamesMessageHook;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.mailsec.mail.MailsecAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 8689 REQUIRETLS on James's SMTP server: advertised after STARTTLS, accepted as a MAIL FROM parameter
 * only on a TLS session, and carried to the mail as the {@code mailsec.requiretls} attribute that
 * {@code SecureRemoteDelivery} honours. Add to the handler chain of {@code smtpserver.xml}:
 * {@code <handler class="org.mailsec.smtp.RequireTlsHandler"/>}.
 */
public class RequireTlsHandler implements MailParametersHook, EhloExtension, JamesMessageHook {

    public static final String KEYWORD = "REQUIRETLS";
    private static final ProtocolSession.AttachmentKey<Boolean> REQUESTED =
        ProtocolSession.AttachmentKey.of("mailsec.requiretls", Boolean.class);
    private static final Logger LOG = LoggerFactory.getLogger(RequireTlsHandler.class);

    @Override
    public List<String> getImplementedEsmtpFeatures(SMTPSession session) {
        // RFC 8689 §4.1: only offered once the session is protected.
        return session.isTLSStarted() ? List.of(KEYWORD) : List.of();
    }

    @Override
    public String[] getMailParamNames() {
        return new String[] {KEYWORD};
    }

    @Override
    public HookResult doMailParameter(SMTPSession session, String paramName, String paramValue) {
        if (!session.isTLSStarted()) {
            return HookResult.builder().hookReturnCode(HookReturnCode.deny()).smtpReturnCode("530")
                .smtpDescription("5.7.10 REQUIRETLS needs a TLS session (STARTTLS first)").build();
        }
        if (paramValue != null && !paramValue.isEmpty()) {
            return HookResult.builder().hookReturnCode(HookReturnCode.deny()).smtpReturnCode("501")
                .smtpDescription("5.5.4 REQUIRETLS takes no value").build();
        }
        session.setAttachment(REQUESTED, Boolean.TRUE, ProtocolSession.State.Transaction);
        return HookResult.DECLINED;
    }

    @Override
    public HookResult onMessage(SMTPSession session, Mail mail) {
        if (session.getAttachment(REQUESTED, ProtocolSession.State.Transaction).orElse(false)) {
            mail.setAttribute(new Attribute(MailsecAttributes.REQUIRE_TLS, AttributeValue.of(true)));
            LOG.debug("mail {} requires TLS all the way (REQUIRETLS)", mail.getName());
        }
        return HookResult.DECLINED;
    }
}
