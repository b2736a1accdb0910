package org.mailsec.reporting;

import java.util.List;
import java.util.Optional;
import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportMail;

/** A TLS report as it goes out: the RFC 8460 §5.3 multipart mail, or the gzip'ed JSON POSTed (§5.4). */
record TlsOutgoingReport(TlsReport report) implements OutgoingReport {

    @Override
    public String kind() {
        return "tls";
    }

    @Override
    public String reportId() {
        return report.reportId();
    }

    @Override
    public MimeMessage mail(Session session, InternetAddress from, List<InternetAddress> to, String submitter,
                            String policyDomain) throws MessagingException {
        return TlsReportMail.message(session, report, from, to, submitter, policyDomain);
    }

    @Override
    public Optional<Post> post() {
        return Optional.of(new Post("application/tlsrpt+gzip", TlsReportMail.gzip(report)));
    }
}
