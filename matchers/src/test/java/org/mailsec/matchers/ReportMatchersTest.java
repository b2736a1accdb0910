package org.mailsec.matchers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMatcherConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.testing.TestData;

/** Every real report mail in ../shared/testdata is recognised by the right matcher, and only by it. */
class ReportMatchersTest {

    static Stream<Path> tlsReportMails() throws Exception {
        return emails("tlsrpt-reports");
    }

    static Stream<Path> dmarcReportMails() throws Exception {
        return emails("dmarc-aggregate");
    }

    private static Stream<Path> emails(String dir) throws Exception {
        return Files.list(TestData.dir().resolve(dir)).filter(p -> p.toString().endsWith(".eml")).sorted();
    }

    private static FakeMail mail(Path eml) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()),
            new ByteArrayInputStream(Files.readAllBytes(eml)));
        return FakeMail.builder().name(eml.getFileName().toString()).mimeMessage(message)
            .recipient("rua@example.test").build();
    }

    private static IsTlsReport tls() throws Exception {
        IsTlsReport matcher = new IsTlsReport();
        matcher.init(FakeMatcherConfig.builder().matcherName("IsTlsReport").build());
        return matcher;
    }

    private static IsDmarcAggregateReport dmarc() throws Exception {
        IsDmarcAggregateReport matcher = new IsDmarcAggregateReport();
        matcher.init(FakeMatcherConfig.builder().matcherName("IsDmarcAggregateReport").build());
        return matcher;
    }

    @ParameterizedTest
    @MethodSource("tlsReportMails")
    void everyRealTlsReportMailIsATlsReport(Path eml) throws Exception {
        assertThat(tls().match(mail(eml))).as(eml.getFileName().toString()).isNotEmpty();
        assertThat(dmarc().match(mail(eml))).as(eml.getFileName().toString()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("dmarcReportMails")
    void everyRealDmarcReportMailIsADmarcReport(Path eml) throws Exception {
        assertThat(dmarc().match(mail(eml))).as(eml.getFileName().toString()).isNotEmpty();
        assertThat(tls().match(mail(eml))).as(eml.getFileName().toString()).isEmpty();
    }

    @Test
    void ordinaryMailIsNeither() throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setText("hello");
        message.saveChanges();
        FakeMail mail = FakeMail.builder().name("m").mimeMessage(message).recipient("rua@example.test").build();
        assertThat(tls().match(mail)).isEmpty();
        assertThat(dmarc().match(mail)).isEmpty();
    }

    @Test
    void endlesslyNestedMultipartsStopAtTheDepthBound() throws Exception {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            body.append("--b").append(i).append("\r\nContent-Type: multipart/mixed; boundary=\"b").append(i + 1).append("\"\r\n\r\n");
        }
        body.append("--b50\r\nContent-Type: application/tlsrpt+gzip\r\n\r\nx\r\n");
        String raw = "Content-Type: multipart/mixed; boundary=\"b0\"\r\nSubject: nest\r\n\r\n" + body;
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw.getBytes()));
        FakeMail mail = FakeMail.builder().name("nested").mimeMessage(message).recipient("rua@example.test").build();
        assertThat(tls().match(mail)).as("the report part lies deeper than any real report").isEmpty();
        assertThat(List.of(ReportParts.MAX_DEPTH)).containsExactly(8);
    }

    @Test
    void withAConditionOnlyTheReportingAddressesAmongTheRecipientsMatch() throws Exception {
        IsTlsReport matcher = new IsTlsReport();
        matcher.init(FakeMatcherConfig.builder().matcherName("IsTlsReport")
            .condition("tlsrpt@example.test, RUA@example.test").build());
        Path eml = tlsReportMails().findFirst().orElseThrow();
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()),
            new ByteArrayInputStream(Files.readAllBytes(eml)));
        FakeMail both = FakeMail.builder().name("both").mimeMessage(message)
            .recipients("rua@example.test", "alice@example.test").build();
        assertThat(matcher.match(both)).extracting(a -> a.asString()).containsExactly("rua@example.test");
        FakeMail other = FakeMail.builder().name("other").mimeMessage(message).recipient("alice@example.test").build();
        assertThat(matcher.match(other)).isEmpty();
        IsDmarcAggregateReport wrong = new IsDmarcAggregateReport();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> wrong.init(FakeMatcherConfig.builder()
                .matcherName("IsDmarcAggregateReport").condition("not an address").build()))
            .hasMessageContaining("is not a comma-separated list of reporting addresses");
    }

    @Test
    void aMultipartWithoutItsStartBoundaryIsOrdinaryMailNotAnError() throws Exception {
        String raw = "From: a@example.net\r\nTo: rua@example.test\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"declared-but-never-used\"\r\n\r\n"
            + "no boundary line at all\r\n";
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()),
            new ByteArrayInputStream(raw.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        FakeMail mail = FakeMail.builder().name("broken").mimeMessage(message).recipient("rua@example.test").build();
        assertThat(tls().match(mail)).isEmpty();
        assertThat(dmarc().match(mail)).isEmpty();
    }
}
