package org.mailsec.mailets;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import javax.mail.internet.InternetAddress;
import org.apache.james.core.Domain;
import org.apache.james.core.MailAddress;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.report.JdbcIncomingTlsReports;
import org.mailsec.tlsrpt.TlsReport;
import org.mailsec.tlsrpt.TlsReportMail;

class StoreTlsReportTest {

    /** James's domains: example.com only. */
    private static final class OurDomains implements DomainList {
        @Override
        public List<Domain> getDomains() {
            return List.of(Domain.of("example.com"));
        }

        @Override
        public boolean containsDomain(Domain domain) {
            return domain.equals(Domain.of("example.com"));
        }

        @Override
        public void addDomain(Domain domain) {
            throw new IllegalStateException("fixed");
        }

        @Override
        public void removeDomain(Domain domain) {
            throw new IllegalStateException("fixed");
        }

        @Override
        public Domain getDefaultDomain() {
            return Domain.of("example.com");
        }
    }

    private Database database;
    private JdbcIncomingTlsReports reports;

    @BeforeEach
    void start(@TempDir Path dir) {
        database = Database.open(StoreConfig.embedded(dir));
        reports = new JdbcIncomingTlsReports(database);
    }

    @AfterEach
    void stop() {
        database.close();
    }

    private StoreTlsReport mailet(boolean onlyOurDomains, boolean ghost) throws Exception {
        StoreTlsReport mailet = new StoreTlsReport(reports, new RecordingMetricFactory(), Clock.systemUTC(), new OurDomains());
        mailet.init(FakeMailetConfig.builder().mailetName("StoreTlsReport")
            .setProperty("onlyOurDomains", String.valueOf(onlyOurDomains)).setProperty("ghost", String.valueOf(ghost)).build());
        return mailet;
    }

    private static FakeMail reportAbout(String domain, String id) throws Exception {
        Instant start = Instant.parse("2026-11-21T00:00:00Z");
        TlsReport report = new TlsReport("Reporter", start, start.plus(1, ChronoUnit.DAYS).minusSeconds(1), "mailto:r@reporter.test",
            id, List.of(new TlsReport.PolicyResult(new TlsReport.Policy("sts", List.of("version: STSv1"), domain, List.of()),
                5, 0, List.of())));
        return FakeMail.builder().name(id).mimeMessage(TlsReportMail.message(TlsReportMail.session(), report,
                new InternetAddress("r@reporter.test"), List.of(new InternetAddress("rua@example.com")), "reporter.test", domain))
            .sender(new MailAddress("r@reporter.test")).recipient("rua@example.com").state(Mail.DEFAULT).build();
    }

    @Test
    void aReportIsStoredOnceAndTheMailGoesOn() throws Exception {
        StoreTlsReport mailet = mailet(false, false);
        FakeMail first = reportAbout("example.com", "r1");
        mailet.service(first);
        mailet.service(reportAbout("example.com", "r1"));
        assertThat(reports.list(Instant.EPOCH, Instant.parse("2030-01-01T00:00:00Z"), java.util.Optional.empty())).hasSize(1);
        assertThat(first.getState()).isEqualTo(Mail.DEFAULT);
        assertThat(first.getAttribute(ReportIngestion.STORED)).isPresent();
    }

    @Test
    void onlyReportsAboutOurDomainsOrHostsBelowThemAreKeptWhenAsked() throws Exception {
        StoreTlsReport mailet = mailet(true, true);
        FakeMail foreign = reportAbout("other.example", "r2");
        mailet.service(foreign);
        FakeMail host = reportAbout("mx1.example.com", "r3");
        mailet.service(host);
        assertThat(reports.list(Instant.EPOCH, Instant.parse("2030-01-01T00:00:00Z"), java.util.Optional.empty()))
            .singleElement().satisfies(r -> assertThat(r.policyDomain()).isEqualTo("mx1.example.com"));
        assertThat(foreign.getAttribute(ReportIngestion.REJECTED)).isPresent();
        assertThat(foreign.getState()).as("a refused report stays in the mailbox").isEqualTo(Mail.DEFAULT);
        assertThat(host.getState()).isEqualTo(Mail.GHOST);
    }
}
