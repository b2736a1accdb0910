package org.mailsec.reporting;

import java.util.List;
import java.util.Optional;
import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.dmarc.report.AggregateReportMail;

/** A DMARC aggregate report as it goes out: mailed only (RFC 9990 defines no other transport mailsec sends by). */
record DmarcOutgoingReport(AggregateReport report, byte[] xml) implements OutgoingReport {

    @Override
    public String kind() {
        return "dmarc";
    }

    @Override
    public String reportId() {
        return report.metadata().reportId();
    }

    @Override
    public MimeMessage mail(Session session, InternetAddress from, List<InternetAddress> to, String submitter,
                            String policyDomain) throws MessagingException {
        return AggregateReportMail.message(session, report, xml, from, to, submitter);
    }

    @Override
    public Optional<Post> post() {
        return Optional.empty();
    }
}
