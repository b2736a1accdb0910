package org.mailsec.james;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.apache.james.domainlist.api.DomainList;
import org.mailsec.reporting.DmarcReportRun;
import org.mailsec.reporting.ReportSenders;
import org.mailsec.store.dmarc.DmarcReportClaims;
import org.mailsec.store.dmarc.Evaluations;
import org.mailsec.store.dmarc.JdbcDmarcReportClaims;
import org.apache.james.domainlist.api.DomainListException;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.MailetContext;
import org.mailsec.dns.DnsResolver;
import org.mailsec.reporting.ReportSettings;
import org.mailsec.reporting.TlsReportRun;
import org.mailsec.store.Database;
import org.mailsec.net.HttpsClient;
import org.mailsec.store.suppression.JdbcSuppressionList;
import org.mailsec.store.suppression.SuppressionList;
import org.mailsec.store.tls.JdbcReportClaims;
import org.mailsec.store.tls.ReportClaims;
import org.mailsec.store.tls.TlsResultStore;
import org.mailsec.tlsrpt.TlsRptLookup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outgoing TLS reports: settings, the run that sends a day's reports, and what it stands on. Installed
 * by {@link MailsecModule}.
 */
public class ReportsModule extends AbstractModule {

    private static final Logger LOG = LoggerFactory.getLogger(ReportsModule.class);

    /**
     * This node, in every claim it makes (TLS and DMARC reports alike): one name per James server (per injector, not
     * per JVM — tests run two nodes in one JVM, and a shared name would let both hold one claim).
     */
    private final String node = nodeName();

    @Provides
    @Singleton
    ReportClaims claims(Database database) {
        return new JdbcReportClaims(database);
    }

    @Provides
    @Singleton
    SuppressionList suppressions(Database database) {
        return new JdbcSuppressionList(database);
    }

    @Provides
    @Singleton
    ReportSettings reportSettings(MailsecSettings settings, DomainList domains) throws IOException, GeneralSecurityException {
        MailsecSettings.Reports r = settings.reports();
        String domain = defaultDomain(domains);
        String submitter = orDefault(r.submitter(), domain);
        String from = orDefault(r.from(), "tlsrpt-noreply@" + submitter);
        Optional<ReportSettings.DkimKey> dkim = Optional.empty();
        if (r.dkimKey().isPresent()) {
            try {
                // The same reader as `mailsec check --report-dkim-key`.
                java.security.PrivateKey key = org.mailsec.tlsrpt.ReportSigningKey.readPem(Files.readString(r.dkimKey().get()));
                dkim = Optional.of(new ReportSettings.DkimKey(r.dkimDomain(), r.dkimSelector(), key));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new MailsecSettings.InvalidSettingException("mailsec.reports.dkim.key", r.dkimKey().get().toString(),
                    "a PKCS#8 PEM RSA private key");
            }
        } else if (r.enabled()) {
            LOG.warn("mailsec: TLS and DMARC reports will be sent without a DKIM signature (set mailsec.reports.dkim.*)");
        }
        return new ReportSettings(orDefault(r.organization(), submitter), submitter, from, orDefault(r.contact(), from),
            r.processor(), r.sendSuccessOnly(), dkim, r.httpsTimeout());
    }

    @Provides
    @Singleton
    TlsReportRun reportRun(TlsResultStore results, ReportClaims claims, SuppressionList suppressions, DnsResolver resolver,
                           MailetContext mailetContext, ReportSettings settings, X509TrustManager webPki,
                           MetricFactory metrics, Clock clock, MailsecSettings mailsec) throws GeneralSecurityException {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {webPki}, null);
        // https rua hosts resolved by mailsec's resolver, connections pinned to allowed addresses.
        HttpsClient https = new HttpsClient(resolver, mailsec.netAllowed(), tls, settings.httpsTimeout(), "mailsec TLSRPT");
        return new TlsReportRun(results, claims, suppressions, new TlsRptLookup(resolver), mailetContext, settings, https,
            metrics, clock, node);
    }

    @Provides
    @Singleton
    DmarcReportClaims dmarcClaims(Database database) {
        return new JdbcDmarcReportClaims(database);
    }

    /**
     * Our DMARC aggregate reports: the TLS reports' identity and DKIM key, their own From (which the key's domain must
     * align with, RFC 9990 §3: reports must pass DMARC themselves).
     */
    @Provides
    @Singleton
    DmarcReportRun dmarcReportRun(Evaluations evaluations, DmarcReportClaims claims, SuppressionList suppressions,
                                  DnsResolver resolver, MailetContext mailetContext, ReportSettings tls, MetricFactory metrics,
                                  Clock clock, MailsecSettings mailsec) {
        MailsecSettings.DmarcReports d = mailsec.dmarcReports();
        ReportSettings settings = new ReportSettings(tls.organization(), tls.submitter(), dmarcFrom(tls, mailsec),
            tls.contact(), tls.processor(), false, tls.dkim(), tls.httpsTimeout());
        String version = DmarcReportRun.class.getPackage().getImplementationVersion();
        return new DmarcReportRun(evaluations, claims, suppressions, resolver, mailetContext, settings, d.rfc7489(),
            "mailsec" + (version == null ? "" : " " + version), metrics, clock, node);
    }

    /** Where each kind of our reports comes from, and so where their bounces return (SuppressBouncedReports). */
    @Provides
    @Singleton
    ReportSenders reportSenders(ReportSettings tls, MailsecSettings mailsec) {
        return new ReportSenders(tls.from(), dmarcFrom(tls, mailsec));
    }

    private static String dmarcFrom(ReportSettings tls, MailsecSettings mailsec) {
        return orDefault(mailsec.dmarcReports().from(), "dmarc-noreply@" + tls.submitter());
    }

    /** Names this James node in report claims: host name plus a per-start tag. */
    private static String nodeName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "james";
        }
        return host + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String defaultDomain(DomainList domains) {
        try {
            return domains.getDefaultDomain().asString();
        } catch (DomainListException e) {
            return "localhost";
        }
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }

}
