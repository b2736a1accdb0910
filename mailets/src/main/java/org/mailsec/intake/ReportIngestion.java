package org.mailsec.intake;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.io.InputLimits;
import org.mailsec.mail.MailsecAttributes;
import org.mailsec.io.RejectedInputException;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.store.rejected.RejectedReports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the report-storing mailets share: the mail's bytes read within the size cap, its DKIM alignment, whether a
 * report is about us, and what became of the mail. A report that cannot be read or is refused never stops the
 * mail: it goes on to the mailbox, with the reason in {@link MailsecAttributes#REPORT_REJECTED}, a log line, a metric
 * and a row the operator reads under {@code /mailsec/{tls,dmarc}-reports/rejected}.
 */
public final class ReportIngestion {


    private static final Logger LOG = LoggerFactory.getLogger(ReportIngestion.class);

    private final RejectedReport.Kind kind;
    private final RejectedReports rejectedReports;
    private final MetricFactory metrics;
    private final Clock clock;
    private final DomainList domains;
    private final DkimAlignment dkim;
    private final InputLimits limits;
    private OurNames ourNames;

    public ReportIngestion(RejectedReport.Kind kind, RejectedReports rejectedReports, MetricFactory metrics, Clock clock,
                    DomainList domains, DkimAlignment dkim, InputLimits limits) {
        this.kind = kind;
        this.rejectedReports = rejectedReports;
        this.metrics = metrics;
        this.clock = clock;
        this.domains = domains;
        this.dkim = dkim;
        this.limits = limits;
        this.ourNames = new OurNames(domains, Set.of());
    }

    /** Names besides James's domains that reports may be about, e.g. MX hosts in another domain: "a, b". */
    public void extraHosts(String commaSeparated) {
        ourNames = new OurNames(domains, OurNames.hostList(commaSeparated));
    }

    /** The metric of {@code event} ({@code received}, {@code duplicate}, ...) for this kind of report. */
    public String metric(String event) {
        return MailsecMetrics.received(kind == RejectedReport.Kind.TLS ? "tls" : "dmarc", event);
    }

    /** The whole message, refused beyond the input cap without reading it all. */
    public byte[] bytes(Mail mail) throws RejectedInputException, MessagingException {
        if (mail.getMessageSize() > limits.maxInputBytes()) {
            throw new RejectedInputException("the message is larger than " + limits.maxInputBytes() + " bytes");
        }
        CappedBuffer out = new CappedBuffer(limits.maxInputBytes());
        try {
            mail.getMessage().writeTo(out);
        } catch (IOException e) {
            throw new RejectedInputException("the message cannot be read: " + e.getMessage());
        }
        return out.toByteArray();
    }

    /** Whether the mail has a DKIM pass aligned with its From domain; the verdict is also put on the mail. */
    public DkimAlignment.Verdict authenticate(Mail mail, byte[] raw) throws MessagingException {
        DkimAlignment.Verdict verdict = dkim.check(raw, mail.getMessage().getHeader("From", ","));
        mail.setAttribute(new Attribute(MailsecAttributes.REPORT_DKIM, AttributeValue.of(verdict.detail())));
        metrics.generate(metric(verdict.aligned() ? "dkim_aligned" : "dkim_unaligned")).increment();
        return verdict;
    }

    /** Whether {@code domain} is one of James's domains, below one, or a configured extra host. */
    public boolean ours(String domain) {
        return ourNames.contains(domain);
    }

    /** The mail's report is not stored: say why on the mail, in the log, in a metric and in the store. */
    public void refuse(Mail mail, String why) {
        metrics.generate(metric("rejected")).increment();
        LOG.info("{} report mail {} from {} not stored: {}", kind, mail.getName(), mail.getMaybeSender().asString(), why);
        mail.setAttribute(new Attribute(MailsecAttributes.REPORT_REJECTED, AttributeValue.of(why)));
        try {
            rejectedReports.add(RejectedReport.of(kind, clock.instant(), mail.getName(), header(mail, "Message-ID"),
                mail.getMaybeSender().asString(""), header(mail, "Subject"), why));
        } catch (RuntimeException e) {
            LOG.warn("cannot record why {} report mail {} was not stored: {}", kind, mail.getName(), e.getMessage());
        }
    }

    public void stored(Mail mail, List<String> ids) {
        mail.setAttribute(new Attribute(MailsecAttributes.REPORT_STORED, AttributeValue.of(String.join(",", ids))));
    }

    private static String header(Mail mail, String name) {
        try {
            MimeMessage message = mail.getMessage();
            String value = message.getHeader(name, " ");
            return value == null ? "" : value.replaceAll("\\s+", " ").trim();
        } catch (MessagingException e) {
            return "";
        }
    }

    /** An in-memory buffer that refuses to grow past a cap. */
    private static final class CappedBuffer extends OutputStream {
        private final java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
        private final long cap;

        CappedBuffer(long cap) {
            this.cap = cap;
        }

        @Override
        public void write(int b) throws IOException {
            check(1);
            buffer.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            check(len);
            buffer.write(b, off, len);
        }

        private void check(int more) throws IOException {
            if (buffer.size() + (long) more > cap) {
                throw new IOException("larger than " + cap + " bytes");
            }
        }

        byte[] toByteArray() {
            return buffer.toByteArray();
        }
    }
}
