package org.mailsec.mailets;

import java.time.Clock;
import javax.mail.MessagingException;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.mailsec.dmarc.OrganizationalDomains;
import org.mailsec.dns.DnsResolver;
import org.mailsec.intake.Arrival;
import org.mailsec.intake.DkimAlignment;
import org.mailsec.intake.IntakeResult;
import org.mailsec.intake.MailArrival;
import org.mailsec.intake.OurNames;
import org.mailsec.intake.ReportFormat;
import org.mailsec.intake.ReportIntake;
import org.mailsec.io.InputLimits;
import org.mailsec.io.RejectedInputException;
import org.mailsec.mail.MailsecAttributes;
import org.mailsec.store.rejected.RejectedReports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link StoreTlsReport} and {@link StoreDmarcReport} share: hand the whole mail to the {@link ReportIntake}
 * and say on the mail what became of it; the mail goes on (a report that is not stored never stops it). Options:
 * {@code ghost}, {@code onlyOurDomains}, {@code hosts} and {@code requireAlignedDkim} (see {@link StoreTlsReport}).
 *
 * @param <R> the kind of report
 */
public abstract class StoreReportMailet<R> extends GenericMailet {

    private final Logger log = LoggerFactory.getLogger(getClass());
    private final ReportFormat<R> format;
    private final RejectedReports rejectedReports;
    private final DnsResolver resolver;
    private final MetricFactory metrics;
    private final Clock clock;
    private final DomainList domains;
    private final InputLimits limits;
    private ReportIntake<R> intake;
    private boolean ghost;

    protected StoreReportMailet(ReportFormat<R> format, RejectedReports rejectedReports, DnsResolver resolver,
                                MetricFactory metrics, Clock clock, DomainList domains, InputLimits limits) {
        this.format = format;
        this.rejectedReports = rejectedReports;
        this.resolver = resolver;
        this.metrics = metrics;
        this.clock = clock;
        this.domains = domains;
        this.limits = limits;
    }

    @Override
    public void init() {
        ghost = getInitParameter("ghost", false);
        ReportIntake.Rules rules = new ReportIntake.Rules(getInitParameter("onlyOurDomains", false),
            getInitParameter("requireAlignedDkim", false));
        OurNames ourNames = new OurNames(domains, OurNames.hostList(getInitParameter("hosts", "")));
        intake = new ReportIntake<>(format, rules, ourNames, new DkimAlignment(resolver, OrganizationalDomains.guava()),
            rejectedReports, metrics, clock);
    }

    @Override
    public void service(Mail mail) {
        Arrival arrival = MailArrival.of(mail);
        IntakeResult result;
        try {
            result = intake.accept(MailArrival.bytes(mail, limits.maxInputBytes()), arrival);
        } catch (RejectedInputException e) {
            result = intake.refuse(arrival, e.getMessage());
        } catch (MessagingException | RuntimeException e) {
            // Whatever a hostile mail makes James's MIME classes throw, the mail goes on as ordinary mail (never to
            // the error repository) and the refusal is recorded.
            log.warn("report mail {} could not be read", mail.getName(), e);
            result = intake.refuse(arrival, "unreadable: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        result.dkim().ifPresent(v -> mail.setAttribute(new Attribute(MailsecAttributes.REPORT_DKIM, AttributeValue.of(v.detail()))));
        result.lastRefusal().ifPresent(r -> mail.setAttribute(new Attribute(MailsecAttributes.REPORT_REJECTED, AttributeValue.of(r.reason()))));
        if (result.read()) {
            mail.setAttribute(new Attribute(MailsecAttributes.REPORT_STORED, AttributeValue.of(String.join(",", result.storedIds()))));
        }
        // Consumed only when its reports were taken; anything refused, here or by another report mailet before this
        // one (a mail may carry reports of both kinds), stays in the mailbox.
        if (ghost && result.taken() && mail.getAttribute(MailsecAttributes.REPORT_REJECTED).isEmpty()) {
            mail.setState(Mail.GHOST);
        }
    }
}
