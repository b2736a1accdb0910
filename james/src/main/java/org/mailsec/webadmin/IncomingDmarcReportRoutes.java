package org.mailsec.webadmin;

import java.time.Clock;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.store.Page;
import org.mailsec.store.dmarc.DmarcReportListing;
import javax.inject.Inject;
import org.mailsec.store.dmarc.IncomingDmarcReport;
import org.mailsec.store.dmarc.IncomingDmarcReports;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.store.rejected.RejectedReports;
import spark.Service;

/**
 * {@code GET /mailsec/dmarc-reports…}; {@code …/sources} sums the reports' rows by source IP (messages, DMARC pass and
 * fail), the most failing first, over at most {@link #SOURCE_REPORTS} reports of the period (the newest; it says so
 * when there were more).
 */
public final class IncomingDmarcReportRoutes extends IncomingReportRoutes {
    /** Reports read for one sources answer: each is parsed from its stored XML. */
    static final int SOURCE_REPORTS = 1000;
    private final IncomingDmarcReports dmarcReports;

    @Inject
    public IncomingDmarcReportRoutes(IncomingDmarcReports dmarcReports, RejectedReports rejectedReports, Clock clock) {
        super(DMARC, rejectedReports, clock);
        this.dmarcReports = dmarcReports;
    }

    @Override
    protected void routes(Service service) {
        get(service, DMARC + "/rejected", request -> rejected(RejectedReport.Kind.DMARC, request));
        get(service, DMARC + "/summaries", request -> {
            MailsecRoutes.Period period = period(request);
            return MailsecRoutes.page(request).of(dmarcReports.summaries(period.start(), period.end(), domain(request)))
                .stream().map(IncomingReportDtos.DmarcSummary::of).toList();
        });
        get(service, DMARC + "/sources", request -> {
            MailsecRoutes.Period period = period(request);
            List<DmarcReportListing> listed = dmarcReports.list(period.start(), period.end(), domain(request),
                new Page(SOURCE_REPORTS + 1, 0));
            Map<String, long[]> bySource = new HashMap<>();
            Map<String, Set<String>> domains = new HashMap<>();
            for (DmarcReportListing listing : listed.subList(0, Math.min(SOURCE_REPORTS, listed.size()))) {
                dmarcReports.byId(listing.id()).ifPresent(report -> {
                    for (AggregateReport.Record r : report.report().records()) {
                        long[] sums = bySource.computeIfAbsent(r.row().sourceIp(), ip -> new long[3]);
                        sums[0] += r.row().count();
                        sums[r.row().evaluated().passed() ? 1 : 2] += r.row().count();
                        domains.computeIfAbsent(r.row().sourceIp(), ip -> new TreeSet<>()).add(report.report().policy().domain());
                    }
                });
            }
            List<Source> sources = bySource.entrySet().stream()
                .map(e -> new Source(e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2], List.copyOf(domains.get(e.getKey()))))
                .sorted(Comparator.comparingLong(Source::dmarcFail).reversed().thenComparing(Source::sourceIp)).toList();
            return new Sources(MailsecRoutes.page(request).of(sources), Math.min(SOURCE_REPORTS, listed.size()),
                listed.size() > SOURCE_REPORTS);
        });
        get(service, DMARC + "/:id", request -> {
            IncomingDmarcReport report = dmarcReports.byId(id(request)).orElseThrow(() -> notFound(request));
            return IncomingReportDtos.DmarcReport.of(report);
        });
        get(service, DMARC, request -> {
            MailsecRoutes.Period period = period(request);
            return dmarcReports.list(period.start(), period.end(), domain(request), MailsecRoutes.page(request)).stream()
                .map(IncomingReportDtos.DmarcReport::of).toList();
        });
    }

    /** What the reports say of one sending address. */
    record Source(String sourceIp, long messages, long dmarcPass, long dmarcFail, List<String> domains) {
    }

    /** @param saturated the period has more reports than were read */
    record Sources(List<Source> sources, int reports, boolean saturated) {
    }
}
