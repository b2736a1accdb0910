package org.mailsec.mailets;

import org.mailsec.intake.DkimAlignment;
import org.mailsec.intake.ReportIngestion;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.mail.MessagingException;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.mailsec.dmarc.OrganizationalDomains;
import org.mailsec.dns.DnsResolver;
import org.mailsec.io.InputLimits;
import org.mailsec.io.RejectedInputException;
import org.mailsec.store.StoreException;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.store.rejected.RejectedReports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link StoreTlsReport} and {@link StoreDmarcReport} share: read the mail's reports within the size caps,
 * check its DKIM alignment, keep the reports about us, store each once, and let the mail go on. Options:
 * {@code ghost}, {@code onlyOurDomains}, {@code hosts} and {@code requireAlignedDkim} (see {@link StoreTlsReport}).
 *
 * @param <R> the kind of report
 */
public abstract class StoreReportMailet<R> extends GenericMailet {

    private final Logger log = LoggerFactory.getLogger(getClass());
    private final ReportIngestion ingestion;
    private final MetricFactory metrics;
    private final Clock clock;
    private boolean ghost;
    private boolean onlyOurDomains;
    private boolean requireAlignedDkim;

    protected StoreReportMailet(RejectedReport.Kind kind, RejectedReports rejectedReports, DnsResolver resolver,
                                MetricFactory metrics, Clock clock, DomainList domains, InputLimits limits) {
        this.ingestion = new ReportIngestion(kind, rejectedReports, metrics, clock, domains,
            new DkimAlignment(resolver, OrganizationalDomains.guava()), limits);
        this.metrics = metrics;
        this.clock = clock;
    }

    /** The reports in a whole message, read leniently. */
    protected abstract List<R> read(byte[] message, String name) throws RejectedInputException;

    /** The domains (or hosts) a report is about. */
    protected abstract List<String> about(R report);

    /** "report {id} from {organization}", for logs and refusal reasons. */
    protected abstract String describe(R report);

    /** Stores a report once; empty when it was stored already. */
    protected abstract Optional<Long> store(R report, Mail mail, boolean unauthenticated, Instant receivedAt);

    @Override
    public void init() {
        ghost = getInitParameter("ghost", false);
        onlyOurDomains = getInitParameter("onlyOurDomains", false);
        requireAlignedDkim = getInitParameter("requireAlignedDkim", false);
        ingestion.extraHosts(getInitParameter("hosts", ""));
    }

    @Override
    public void service(Mail mail) {
        try {
            ingest(mail);
        } catch (MessagingException | RuntimeException e) {
            // Whatever a hostile mail makes the readers throw, the mail goes on as ordinary mail (never to the
            // error repository) and the refusal is recorded.
            log.warn("report mail {} could not be read", mail.getName(), e);
            ingestion.refuse(mail, "unreadable: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private void ingest(Mail mail) throws MessagingException {
        byte[] raw;
        List<R> read;
        try {
            raw = ingestion.bytes(mail);
            read = read(raw, mail.getName() + ".eml");
        } catch (RejectedInputException e) {
            ingestion.refuse(mail, e.getMessage());
            return;
        }
        DkimAlignment.Verdict dkim = ingestion.authenticate(mail, raw);
        if (requireAlignedDkim && !dkim.aligned()) {
            ingestion.refuse(mail, "no aligned DKIM pass (" + dkim.detail() + ")");
            return;
        }
        List<String> ids = new ArrayList<>();
        boolean accepted = false;
        for (R report : read) {
            List<String> about = about(report);
            if (onlyOurDomains && about.stream().noneMatch(ingestion::ours)) {
                ingestion.refuse(mail, describe(report) + " is about no domain of ours (" + summary(about) + ")");
                continue;
            }
            Optional<Long> id;
            try {
                id = store(report, mail, !dkim.aligned(), clock.instant());
            } catch (StoreException e) {
                // The store is down or refuses: the mail still reaches the mailbox, where the report can be read.
                ingestion.refuse(mail, "the store refused " + describe(report) + ": " + e.getMessage());
                continue;
            }
            accepted = true;
            if (id.isPresent()) {
                ids.add(String.valueOf(id.get()));
                metrics.generate(ingestion.metric("received")).increment();
                log.info("{} about {} stored as {} ({})", describe(report), summary(about), id.get(), dkim.detail());
            } else {
                metrics.generate(ingestion.metric("duplicate")).increment();
                log.info("{} was already stored", describe(report));
            }
        }
        ingestion.stored(mail, ids);
        // Consumed only when its reports were taken; anything refused stays in the mailbox.
        if (ghost && accepted && mail.getAttribute(org.mailsec.mail.MailsecAttributes.REPORT_REJECTED).isEmpty()) {
            mail.setState(Mail.GHOST);
        }
    }

    /** A few names as they are; a long list as its first names and a count (logs and reasons stay short). */
    static String summary(List<String> names) {
        if (names.size() <= 3) {
            return String.join(", ", names);
        }
        return String.join(", ", names.subList(0, 3)) + " and " + (names.size() - 3) + " more";
    }
}
