package org.mailsec.tlsrpt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.mailsec.io.InputLimits;
import org.mailsec.io.MailParser;
import org.mailsec.io.MailPart;
import org.mailsec.tlsrpt.TlsReport.FailureDetail;
import org.mailsec.tlsrpt.TlsReport.Policy;

class TlsReportCompositionTest {

    private static final Policy STS = new Policy("sts", List.of("version: STSv1", "mode: enforce", "mx: mx.example.com",
        "max_age: 86400"), "example.com", List.of("mx.example.com"));
    private static final Policy TLSA = new Policy("tlsa", List.of("3 1 1 AABB"), "example.com", List.of("mx.example.com"));

    private static TlsReport sample() {
        FailureDetail expired = new FailureDetail("certificate-expired", "192.0.2.1", "mx.example.com", null, "198.51.100.7",
            2, null, "expired");
        return new TlsReportAccumulator()
            .addSuccess(STS, 10).addSuccess(STS, 5)
            .addFailure(STS, expired).addFailure(STS, expired.withCount(3))
            .addSuccess(TLSA, 4)
            .build("mailsec.example.net", "postmaster@mailsec.example.net", "2026-11-21.example.com", LocalDate.of(2026, 11, 21));
    }

    @Test
    void resultsOfOnePolicyAreMergedAndSummed() {
        TlsReport report = sample();
        assertThat(report.policies()).hasSize(2);
        TlsReport.PolicyResult sts = report.policies().get(0);
        assertThat(sts.successCount()).isEqualTo(15);
        assertThat(sts.failureCount()).isEqualTo(5);
        assertThat(sts.failureDetails()).singleElement().satisfies(d -> assertThat(d.failedSessionCount()).isEqualTo(5));
        assertThat(report.start()).isEqualTo(Instant.parse("2026-11-21T00:00:00Z"));
        assertThat(report.end()).isEqualTo(Instant.parse("2026-11-21T23:59:59Z"));
    }

    @Test
    void jsonRoundTripsThroughTheReader() throws Exception {
        TlsReport report = sample();
        assertThat(TlsReportJson.read(TlsReportJson.write(report))).isEqualTo(report);
        assertThat(new TlsReportReader().read(TlsReportMail.gzip(report), "r.json.gz")).containsExactly(report);
    }

    @Test
    void fileNameAndSubjectFollowRfc8460() {
        TlsReport report = sample();
        assertThat(TlsReportMail.fileName("mailsec.example.net", "example.com", report))
            .isEqualTo("mailsec.example.net!example.com!1795219200!1795305599.json.gz");
        assertThat(TlsReportMail.subject("example.com", "mailsec.example.net", report.reportId()))
            .isEqualTo("Report Domain: example.com Submitter: mailsec.example.net Report-ID: <2026-11-21.example.com>");
    }

    @Test
    void reportMailIsMultipartReportThatTheReaderUnderstands() throws Exception {
        TlsReport report = sample();
        MimeMessage mail = TlsReportMail.message(TlsReportMail.session(), report,
            new InternetAddress("tlsrpt@mailsec.example.net"), List.of(new InternetAddress("tls-reports@example.com")),
            "mailsec.example.net", "example.com");
        assertThat(mail.getContentType()).startsWith("multipart/report").contains("report-type=\"tlsrpt\"");
        assertThat(mail.getHeader("TLS-Report-Domain", null)).isEqualTo("example.com");
        assertThat(mail.getHeader("TLS-Report-Submitter", null)).isEqualTo("mailsec.example.net");
        assertThat(mail.getHeader("TLS-Required", null)).isEqualTo("No");
        assertThat(mail.getMessageID()).endsWith("@mailsec.example.net>");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        mail.writeTo(bytes);
        String wire = bytes.toString(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(wire).contains("application/tlsrpt+gzip").contains("Content-Transfer-Encoding: base64");
        // Long file names are split per RFC 2231 (filename*0=...); a MIME reader sees the whole name.
        assertThat(new MailParser(InputLimits.DEFAULT).parse(bytes.toByteArray()).parts())
            .extracting(MailPart::fileName).contains("mailsec.example.net!example.com!1795219200!1795305599.json.gz");
        assertThat(new TlsReportReader().read(bytes.toByteArray(), "report.eml")).containsExactly(report);
    }
}
