package org.mailsec.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MailParserTest {

    private static final Path TESTDATA = Path.of(System.getProperty("mailsec.testdata", "../../shared/testdata"));

    private final MailParser parser = new MailParser(InputLimits.DEFAULT);

    static Stream<Path> reportMails() throws Exception {
        return Stream.concat(Files.list(TESTDATA.resolve("tlsrpt-reports")), Files.list(TESTDATA.resolve("dmarc-aggregate")))
            .filter(p -> p.toString().endsWith(".eml")).sorted();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reportMails")
    void everyRealReportMailYieldsAPartThatDecompressesToJsonOrXml(Path mail) throws Exception {
        ParsedMail parsed = parser.parse(Files.readAllBytes(mail));
        Decompressor decompressor = new Decompressor(InputLimits.DEFAULT);
        boolean found = false;
        for (MailPart part : parsed.parts()) {
            for (Payload payload : decompressor.unwrap(part.body(), part.fileName())) {
                ContentSniffer.Kind kind = ContentSniffer.sniff(payload.bytes());
                found |= kind == ContentSniffer.Kind.JSON || kind == ContentSniffer.Kind.XML
                    && !part.mimeType().equals("text/html");
            }
        }
        assertThat(found).as("a JSON or XML report inside %s (parts: %s)", mail.getFileName(),
            parsed.parts().stream().map(MailPart::mimeType).toList()).isTrue();
    }

    @Test
    void nestedMultipartsAndAttachmentNamesAreFound() throws Exception {
        String mail = """
            From: reporter@example.net
            Subject: Report Domain: example.com
            Content-Type: multipart/mixed; boundary=outer

            --outer
            Content-Type: multipart/report; report-type=tlsrpt; boundary="inner"

            --inner
            Content-Type: text/plain

            hello
            --inner
            Content-Type: application/tlsrpt+json
            Content-Disposition: attachment; filename="r.json"
            Content-Transfer-Encoding: base64

            eyJhIjoxfQ==
            --inner--
            --outer--
            """.replace("\n", "\r\n");
        ParsedMail parsed = parser.parse(mail.getBytes(StandardCharsets.US_ASCII));
        assertThat(parsed.subject()).isEqualTo("Report Domain: example.com");
        assertThat(parsed.parts()).extracting(MailPart::mimeType).containsExactly("text/plain", "application/tlsrpt+json");
        MailPart report = parsed.parts().get(1);
        assertThat(report.fileName()).isEqualTo("r.json");
        assertThat(new String(report.body(), StandardCharsets.US_ASCII)).isEqualTo("{\"a\":1}");
    }

    @Test
    void missingEndBoundaryStillYieldsTheParts() throws Exception {
        String mail = "Content-Type: multipart/report; boundary=b; report-type=tlsrpt\r\n\r\n"
            + "--b\r\nContent-Type: application/tlsrpt+json\r\n\r\n{\"a\":1}\r\n";
        ParsedMail parsed = parser.parse(mail.getBytes(StandardCharsets.US_ASCII));
        assertThat(parsed.parts()).singleElement().extracting(MailPart::mimeType).isEqualTo("application/tlsrpt+json");
    }

    @Test
    void deepMimeNestingIsRefused() {
        StringBuilder mail = new StringBuilder("Content-Type: multipart/mixed; boundary=b0\r\n\r\n");
        for (int i = 1; i < 50; i++) {
            mail.append("--b").append(i - 1).append("\r\nContent-Type: multipart/mixed; boundary=b").append(i).append("\r\n\r\n");
        }
        assertThatThrownBy(() -> parser.parse(mail.toString().getBytes(StandardCharsets.US_ASCII)))
            .isInstanceOf(RejectedInputException.class).hasMessageContaining("levels deep");
    }
}
