package org.mailsec.james;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.utils.PropertiesProvider;
import org.mailsec.check.DomainCheck;
import org.mailsec.check.DomainRecords;
import org.mailsec.check.StartTlsProbe;
import org.mailsec.dane.SmtpTrustManager;
import org.mailsec.dmarc.OrganizationalDomains;
import org.mailsec.plan.DeliveryPlanner;
import org.mailsec.outcome.TlsOutcomes;
import org.mailsec.dns.CachingDnsResolver;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dns.DnssecResolver;
import org.mailsec.mtasts.MtaStsLookup;
import org.mailsec.mtasts.MtaStsPolicyFetcher;
import org.mailsec.store.retention.Retention;
import org.mailsec.store.Database;
import org.mailsec.store.StoreConfig;
import org.mailsec.store.policy.JdbcPolicyCache;
import org.mailsec.store.policy.PolicyCache;
import org.mailsec.store.tls.CoalescingRecorder;
import org.mailsec.store.tls.JdbcTlsResultStore;
import org.mailsec.store.tls.TlsResultStore;
import org.mailsec.stspolicy.MtaStsPolicies;
import org.mailsec.store.suppression.SuppressionList;
import org.mailsec.reporting.AutoSuppression;
import org.mailsec.queue.ReportBounceListener;
import org.mailsec.queue.TransportSecurity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * mailsec's bindings in James's extension injector ({@code guice.extension.module} in
 * {@code extensions.properties}): configuration from {@code conf/mailsec.properties}, the DNSSEC resolver,
 * the store, the MTA-STS policy service and what {@code SecureRemoteDelivery} needs. Time comes from James's
 * {@code Clock} binding, so tests can move it.
 */
public class MailsecModule extends AbstractModule {

    private static final Logger LOG = LoggerFactory.getLogger(MailsecModule.class);
    /** The bound on a whole check; a probe's connection and each reply get a third of it. */
    static final Duration DOMAIN_CHECK_DEADLINE = Duration.ofSeconds(30);
    static final Duration DOMAIN_CHECK_PROBE_TIMEOUT = Duration.ofSeconds(10);

    @Override
    protected void configure() {
        bind(MailsecLifecycle.class).in(Singleton.class);
        install(new ReportsModule());
    }

    @Provides
    @Singleton
    MailsecSettings settings(PropertiesProvider provider) throws ConfigurationException {
        Properties properties = new Properties();
        try {
            Configuration configuration = provider.getConfiguration("mailsec");
            for (Iterator<String> keys = configuration.getKeys(); keys.hasNext(); ) {
                String key = keys.next();
                properties.setProperty(key, String.join(",", configuration.getStringArray(key)));
            }
        } catch (FileNotFoundException e) {
            LOG.info("no mailsec.properties: every mailsec setting has its default");
        }
        return MailsecSettings.from(properties);
    }

    @Provides
    @Singleton
    DnsResolver resolver(MailsecSettings settings) throws IOException {
        DnssecResolver.Builder builder = DnssecResolver.builder().timeout(settings.dnsTimeout()).retries(settings.dnsRetries());
        // In the order listed: a server that does not answer in time hands the query to the next one.
        settings.dnsServers().forEach(builder::server);
        if (settings.trustAnchors().isPresent()) {
            builder.trustAnchors(Files.readString(settings.trustAnchors().get()));
        }
        return new CachingDnsResolver(builder.build(), settings.dnsCacheMaxAge());
    }

    @Provides
    @Singleton
    Database database(MailsecSettings settings, FileSystem fileSystem) throws FileNotFoundException {
        Path defaultDirectory = fileSystem.getBasedir().toPath().resolve("var").resolve("mailsec");
        StoreConfig config = StoreConfig.fromProperties(settings.raw(), defaultDirectory);
        return Database.open(config);
    }

    @Provides
    @Singleton
    TlsResultStore tlsResults(Database database) {
        return new JdbcTlsResultStore(database);
    }

    @Provides
    @Singleton
    org.mailsec.store.tlsreport.IncomingTlsReports incomingTlsReports(Database database) {
        return new org.mailsec.store.tlsreport.JdbcIncomingTlsReports(database);
    }

    /** The size caps of incoming reports (mail, post and decompressed report), read by the report mailets. */
    @Provides
    @Singleton
    org.mailsec.reportreceiver.ReceiverSettings receiverSettings(MailsecSettings settings) {
        return settings.receiver();
    }

    @Provides
    @Singleton
    org.mailsec.policyhost.PolicyHostingSettings policyHostingSettings(MailsecSettings settings) {
        return settings.policyHosting();
    }

    @Provides
    @Singleton
    org.mailsec.authentication.DmarcSettings dmarcSettings(MailsecSettings settings) {
        return settings.dmarc();
    }

    @Provides
    @Singleton
    org.mailsec.io.InputLimits receivedReportLimits(MailsecSettings settings) {
        return settings.receivedReportLimits();
    }

    @Provides
    @Singleton
    org.mailsec.store.rejected.RejectedReports rejectedReports(Database database) {
        return new org.mailsec.store.rejected.JdbcRejectedReports(database);
    }

    @Provides
    @Singleton
    org.mailsec.store.dmarc.IncomingDmarcReports incomingDmarcReports(Database database) {
        return new org.mailsec.store.dmarc.JdbcIncomingDmarcReports(database);
    }

    @Provides
    @Singleton
    org.mailsec.store.dmarc.CoalescingEvaluations coalescingEvaluations(Database database, MailsecSettings settings,
                                                                       MetricFactory metrics) {
        return new org.mailsec.store.dmarc.CoalescingEvaluations(new org.mailsec.store.dmarc.JdbcEvaluations(database),
            settings.recorderFlushInterval(), 100_000, new MetricsBridge.EvaluationWriter(metrics));
    }

    @Provides
    @Singleton
    org.mailsec.store.dmarc.Evaluations evaluations(org.mailsec.store.dmarc.CoalescingEvaluations evaluations) {
        return evaluations;
    }

    @Provides
    @Singleton
    Retention retention(TlsResultStore results, PolicyCache policies,
                                          org.mailsec.store.dmarc.Evaluations evaluations,
                                          org.mailsec.store.tlsreport.IncomingTlsReports tlsReports,
                                          org.mailsec.store.dmarc.IncomingDmarcReports dmarcReports,
                                          org.mailsec.store.rejected.RejectedReports rejectedReports,
                                          SuppressionList suppressions, MailsecSettings settings) {
        return new Retention(results, policies, evaluations, tlsReports, dmarcReports, rejectedReports,
            suppressions, settings.receivedReportRetention());
    }

    @Provides
    @Singleton
    PolicyCache policyCache(Database database) {
        return new JdbcPolicyCache(database);
    }

    @Provides
    @Singleton
    CoalescingRecorder recorder(TlsResultStore store, MailsecSettings settings, MetricFactory metrics) {
        return new CoalescingRecorder(store, settings.recorderFlushInterval(), 100_000, new MetricsBridge.Recorder(metrics));
    }

    @Provides
    @Singleton
    X509TrustManager webPki(MailsecSettings settings) throws IOException, GeneralSecurityException {
        Optional<Path> roots = settings.webPkiRoots();
        if (roots.isEmpty()) {
            return SmtpTrustManager.defaultPkix();
        }
        try {
            return SmtpTrustManager.pkixFromPem(roots.get());
        } catch (IllegalArgumentException e) {
            throw new MailsecSettings.InvalidSettingException("mailsec.tls.webpki.roots", roots.get().toString(),
                "a PEM file with at least one certificate");
        }
    }

    @Provides
    @Singleton
    MtaStsPolicyFetcher mtaStsPolicyFetcher(DnsResolver resolver, MailsecSettings settings, X509TrustManager webPki,
                                            Clock clock) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {webPki}, null);
        return MtaStsPolicyFetcher.builder(resolver)
            .sslContext(context)
            .port(settings.mtaStsHttpsPort())
            .addressPolicy(settings.netAllowed())
            .timeout(settings.mtaStsFetchTimeout())
            .clock(clock)
            .build();
    }

    @Provides
    @Singleton
    MtaStsPolicies mtaStsPolicies(DnsResolver resolver, PolicyCache cache, MtaStsPolicyFetcher fetcher, MetricFactory metrics,
                                  Clock clock) {
        return new MtaStsPolicies(new MtaStsLookup(resolver, fetcher), fetcher, cache, clock,
            new MetricsBridge.Policies(metrics));
    }

    /** How the domain check and the records read what MX hosts present: the delivery's port, our report identity in EHLO. */
    @Provides
    @Singleton
    StartTlsProbe startTlsProbe(MailsecSettings settings, org.mailsec.reporting.ReportSettings reports) {
        return new StartTlsProbe(settings.smtpPort(), DOMAIN_CHECK_PROBE_TIMEOUT, reports.submitter());
    }

    /** The records our domains should publish: current MX keys probed as the domain check does, the next from a file. */
    @Provides
    @Singleton
    DomainRecords domainRecords(DnsResolver resolver, StartTlsProbe probe, MailsecSettings settings,
                                org.mailsec.reporting.ReportSettings reports) {
        Optional<java.security.PublicKey> next = Optional.empty();
        if (settings.daneNextKey().isPresent()) {
            Path file = settings.daneNextKey().get();
            try {
                next = Optional.of(DomainRecords.readKey(Files.readString(file)));
            } catch (IOException | GeneralSecurityException e) {
                throw new MailsecSettings.InvalidSettingException("mailsec.dane.next.key", file.toString(),
                    "a PEM certificate or public key (RSA or EC): " + e.getMessage());
            }
        }
        return new DomainRecords(resolver, new DomainRecords.Settings(settings.smtpPort(), Optional.of(probe),
            settings.netAllowed(), next, settings.dmarc().reportAddresses().stream().sorted().toList(), reportKey(reports)));
    }

    private static Optional<DomainCheck.ReportKey> reportKey(org.mailsec.reporting.ReportSettings reports) {
        return reports.dkim().map(k -> {
            try {
                return new DomainCheck.ReportKey(k.domain(), k.selector(),
                    Optional.of(org.mailsec.tlsrpt.ReportSigningKey.publicKey(k.key())));
            } catch (GeneralSecurityException e) {
                return new DomainCheck.ReportKey(k.domain(), k.selector(), Optional.empty());
            }
        });
    }

    /**
     * The domain check of webadmin: STARTTLS probes to addresses {@code mailsec.net.allowed} permits; DMARC rua expected
     * to name one of our report addresses.
     */
    @Provides
    @Singleton
    DomainCheck domainCheck(DnsResolver resolver, MtaStsPolicyFetcher fetcher, X509TrustManager webPki, StartTlsProbe probe,
                            MailsecSettings settings, org.mailsec.reporting.ReportSettings reports, Clock clock) {
        Optional<DomainCheck.ReportKey> key = reportKey(reports);
        return new DomainCheck(resolver, fetcher, webPki, OrganizationalDomains.guavaWithPrivateSuffixes(), clock,
            new DomainCheck.Settings(DOMAIN_CHECK_DEADLINE, settings.smtpPort(), Optional.of(probe), settings.netAllowed(),
                settings.dmarc().reportAddresses().stream().sorted().toList(), key));
    }

    @Provides
    @Singleton
    TlsOutcomes outcomes(CoalescingRecorder recorder, MetricFactory metrics, Clock clock) {
        return new TlsOutcomes(recorder, metrics, clock);
    }

    @Provides
    @Singleton
    DeliveryPlanner planner(DnsResolver resolver, MtaStsPolicies policies, TlsOutcomes outcomes, MailsecSettings settings) {
        return new DeliveryPlanner(resolver, policies, outcomes, new DeliveryPlanner.Settings(settings.smtpPort(),
            settings.dane(), settings.mtaSts(), settings.daneRequired()));
    }

    @Provides
    @Singleton
    TransportSecurity transportSecurity(DeliveryPlanner planner, TlsOutcomes outcomes, X509TrustManager webPki,
                                        SuppressionList suppressions, MetricFactory metrics, Clock clock) {
        ReportBounceListener bounces = new AutoSuppression(suppressions, metrics, clock);
        return new TransportSecurity(planner, outcomes, webPki, clock, bounces);
    }
}
