package org.mailsec.matchers;

import java.util.Collection;
import java.util.List;
import javax.mail.MessagingException;
import javax.mail.Part;
import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;

/**
 * What both report matchers do: match the reporting addresses among the recipients (all of them without a
 * condition) when some part of the mail, within the bounded walk of {@link ReportParts}, is a report of their kind.
 */
abstract class ReportMatcher extends GenericMatcher {

    private ReportingAddresses reportingAddresses;

    /** Whether {@code part} holds a report of this matcher's kind. */
    abstract boolean isReportPart(Part part);

    @Override
    public void init() throws MessagingException {
        reportingAddresses = ReportingAddresses.parse(getCondition());
    }

    @Override
    public Collection<MailAddress> match(Mail mail) throws MessagingException {
        if (!reportingAddresses.addressed(mail)) {
            return List.of();
        }
        return ReportParts.any(mail.getMessage(), this::isReportPart) ? reportingAddresses.of(mail) : List.of();
    }
}
