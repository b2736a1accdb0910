package org.mailsec.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.dmarc.report.AggregateReport.DkimAuth;
import org.mailsec.dmarc.report.AggregateReport.PolicyPublished;
import org.mailsec.dmarc.report.AggregateReport.Reason;
import org.mailsec.dmarc.report.AggregateReport.SpfAuth;
import org.mailsec.dmarc.report.AggregateReportXml;
import org.mailsec.store.dmarc.Evaluation;
import org.mailsec.testing.DmarcSchemas;

class DmarcReportBuilderTest {

    private static final Instant BEGIN = Instant.parse("2026-12-03T00:00:00Z");
    private static final Instant END = Instant.parse("2026-12-04T00:00:00Z");
    private static final DmarcReportBuilder.Identity US = new DmarcReportBuilder.Identity("mx.receiver.example",
        "dmarc-reports@receiver.example", "https://receiver.example/dmarc", "mailsec 0.1.0");
    /** As DmarcEvaluations records a policy: every tag's value, pct and discovery included. */
    private static final PolicyPublished PUBLISHED = new PolicyPublished("sender.example", "r", "s", "reject", null, "reject",
        50, "1:d", "n", "psl");

    private static Evaluation evaluation(int minute, String ip, String disposition, boolean dkim, boolean spf,
                                         List<Reason> reasons, String envelopeFrom, List<DkimAuth> dkimResults,
                                         List<SpfAuth> spfResults) {
        return new Evaluation(0, "sender.example", BEGIN.plusSeconds(60L * minute), 24, List.of("mailto:dmarc@sender.example"),
            PUBLISHED, false, ip, disposition, dkim, spf, reasons, "receiver.example", envelopeFrom, "sender.example",
            dkimResults, spfResults);
    }

    /** What real traffic leaves: passes, a forwarded failure, pct sampling, t=y, a bounce, IPv6, several signatures. */
    private static List<Evaluation> day() {
        List<DkimAuth> aligned = List.of(new DkimAuth("sender.example", "s1", "pass", null));
        List<SpfAuth> spfPass = List.of(new SpfAuth("sender.example", "mfrom", "pass"));
        List<Evaluation> day = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            day.add(evaluation(i, "192.0.2.10", "pass", true, true, List.of(), "sender.example", aligned, spfPass));
        }
        day.add(evaluation(10, "2001:db8::25", "pass", true, false, List.of(), "lists.example",
            List.of(new DkimAuth("sender.example", "s1", "pass", null), new DkimAuth("lists.example", "l", "pass", null),
                new DkimAuth("other.example", "x", "fail", "body hash did not verify")),
            List.of(new SpfAuth("lists.example", "mfrom", "pass"), new SpfAuth("mx.lists.example", "helo", "pass"))));
        day.add(evaluation(20, "198.51.100.7", "none", false, false, List.of(new Reason("trusted_forwarder", "")),
            "forwarder.example", List.of(), List.of(new SpfAuth("forwarder.example", "mfrom", "fail"))));
        day.add(evaluation(30, "198.51.100.8", "quarantine", false, false, List.of(new Reason("sampled_out", "")),
            "sender.example", List.of(), List.of(new SpfAuth("sender.example", "mfrom", "softfail"))));
        day.add(evaluation(40, "198.51.100.9", "none", false, false, List.of(new Reason("policy_test_mode", "")),
            "sender.example", List.of(), List.of(new SpfAuth("sender.example", "mfrom", "fail"))));
        // A bounce: null reverse path, SPF of the HELO only.
        day.add(evaluation(50, "203.0.113.5", "reject", false, false, List.of(), "", List.of(),
            List.of(new SpfAuth("mx.bouncer.example", "helo", "none"))));
        return day;
    }

    @Test
    void aDaysEvaluationsBecomeAnRfc9990ReportThatValidatesAndCountsEveryMessage() throws Exception {
        AggregateReport report = DmarcReportBuilder.build("sender.example", day(), BEGIN, END, "abc123", US, List.of(),
            DmarcReportBuilder.Format.RFC9990);
        byte[] xml = AggregateReportXml.write(report, true);
        DmarcSchemas.validateRfc9990(xml);

        AggregateReport read = AggregateReportXml.read(xml);
        assertThat(read.messages()).isEqualTo(10);
        assertThat(read.records()).as("five identical passes are one record").hasSize(6);
        assertThat(read.records().get(0).row().count()).isEqualTo(5);
        assertThat(read.policy().np()).isEqualTo("reject");
        assertThat(read.policy().discoveryMethod()).isEqualTo("psl");
        assertThat(read.policy().pct()).as("RFC 9989 has no pct").isNull();
        assertThat(read.metadata().generator()).isEqualTo("mailsec 0.1.0");
        // The list's mail: every signature, and the one SPF result DMARC uses (the MAIL FROM's).
        AggregateReport.Record listed = read.records().get(1);
        assertThat(listed.dkim()).extracting(DkimAuth::domain).containsExactly("sender.example", "lists.example", "other.example");
        assertThat(listed.spf()).extracting(SpfAuth::scope).containsExactly("mfrom");
        assertThat(read.records().get(3).row().evaluated().reasons()).extracting(Reason::type)
            .as("RFC 9990 has no sampled_out").containsExactly("other");
        assertThat(read.records().get(3).row().evaluated().reasons().get(0).comment()).isEqualTo("sampled_out");
        assertThat(read.records().get(4).row().evaluated().reasons()).extracting(Reason::type).containsExactly("policy_test_mode");
        assertThat(read.records().get(5).identifiers().envelopeFrom()).as("a null reverse path").isNull();
        assertThat(read.records().get(5).spf()).as("no MAIL FROM, no SPF result of it").isEmpty();
    }

    @Test
    void theOldFormatHasEveryElementRfc7489RequiresAndOnlyItsValues() throws Exception {
        AggregateReport report = DmarcReportBuilder.build("sender.example", day(), BEGIN, END, "abc123", US,
            List.of("first error", "second error"), DmarcReportBuilder.Format.RFC7489);
        byte[] xml = AggregateReportXml.write(report, false);
        DmarcSchemas.validateRfc7489(xml);

        AggregateReport read = AggregateReportXml.read(xml);
        assertThat(read.messages()).isEqualTo(10);
        assertThat(read.policy().sp()).as("sp defaults to p (RFC 7489 §6.3)").isEqualTo("reject");
        assertThat(read.policy().pct()).isEqualTo(50);
        assertThat(read.records()).extracting(r -> r.row().evaluated().disposition())
            .as("no pass disposition in RFC 7489").doesNotContain("pass");
        assertThat(read.records().get(4).row().evaluated().reasons()).extracting(Reason::type).containsExactly("other");
        assertThat(read.records().get(5).identifiers().envelopeFrom()).as("present, empty").isNullOrEmpty();
        assertThat(new String(xml, java.nio.charset.StandardCharsets.UTF_8)).contains("<envelope_from></envelope_from>");
        assertThat(read.metadata().errors()).containsExactly("first error", "second error");
    }

    @Test
    void severalErrorsAreTheOneErrorElementRfc9990Allows() throws Exception {
        AggregateReport report = DmarcReportBuilder.build("sender.example", day(), BEGIN, END, "abc123", US,
            List.of("rua mailto:x@other.example not authorized", "rua size limit"), DmarcReportBuilder.Format.RFC9990);
        byte[] xml = AggregateReportXml.write(report, true);
        DmarcSchemas.validateRfc9990(xml);
        assertThat(AggregateReportXml.read(xml).metadata().errors()).hasSize(1);
    }

    @Test
    void whatAHostileSignatureCarriesCannotBreakTheReportsXml() throws Exception {
        List<Evaluation> hostile = List.of(evaluation(1, "192.0.2.66", "reject", false, false, List.of(), "evil.example",
            List.of(new DkimAuth("evil.example", "s\u0001\uFFFEx", "fail", "reason " + "x".repeat(5000) + "\u0007"),
                new DkimAuth("d".repeat(600) + ".example", "s", "permerror", null)),
            List.of(new SpfAuth("evil.example", "mfrom", "fail"))));
        for (DmarcReportBuilder.Format format : DmarcReportBuilder.Format.values()) {
            AggregateReport report = DmarcReportBuilder.build("sender.example", hostile, BEGIN, END, "abc123", US, List.of(),
                format);
            byte[] xml = AggregateReportXml.write(report, format == DmarcReportBuilder.Format.RFC9990);
            if (format == DmarcReportBuilder.Format.RFC9990) {
                DmarcSchemas.validateRfc9990(xml);
            } else {
                DmarcSchemas.validateRfc7489(xml);
            }
            AggregateReport read = AggregateReportXml.read(xml);
            DkimAuth first = read.records().get(0).dkim().get(0);
            assertThat(first.selector()).isEqualTo("s\uFFFD\uFFFDx");
            assertThat(first.humanResult()).hasSizeLessThanOrEqualTo(1024);
            assertThat(read.records().get(0).dkim().get(1).domain()).hasSizeLessThanOrEqualTo(255);
        }
    }
}
