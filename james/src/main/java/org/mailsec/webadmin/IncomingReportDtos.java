package org.mailsec.webadmin;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.mailsec.dmarc.report.AggregateReport;
import org.mailsec.store.dmarc.DmarcReportListing;
import org.mailsec.store.dmarc.DmarcReportSummary;
import org.mailsec.store.dmarc.IncomingDmarcReport;
import org.mailsec.store.rejected.RejectedReport;
import org.mailsec.store.tlsreport.IncomingTlsReport;
import org.mailsec.store.tlsreport.TlsReportListing;
import org.mailsec.store.tlsreport.TlsReportSummary;

/**
 * What the routes of received reports answer, rendered by James's {@code JsonTransformer}. TLS and DMARC reports
 * name the same things alike ({@code begin}, {@code end}, {@code received}, {@code authenticated}); instants are
 * ISO-8601 strings.
 */
final class IncomingReportDtos {

    private IncomingReportDtos() {
    }

    /** A received TLS report in a listing; {@code report} (its RFC 8460 JSON) only when one report is asked for. */
    record TlsReport(long id, String organization, String reportId, String policyDomain, String begin, String end,
                     long success, long failure, String from, String fromDomain, boolean authenticated, String received,
                     @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode report) {

        static TlsReport of(TlsReportListing r) {
            return new TlsReport(r.id(), r.organization(), r.reportId(), r.policyDomain(), r.start().toString(),
                r.end().toString(), r.success(), r.failure(), r.mailFrom(), r.fromDomain(), !r.unauthenticated(),
                r.receivedAt().toString(), null);
        }

        static TlsReport of(IncomingTlsReport r, JsonNode json) {
            org.mailsec.tlsrpt.TlsReport t = r.report();
            return new TlsReport(r.id(), t.organizationName(), t.reportId(), r.policyDomain(), t.start().toString(),
                t.end().toString(), t.totalSuccess(), t.totalFailure(), r.mailFrom(), r.fromDomain(), !r.unauthenticated(),
                r.receivedAt().toString(), json);
        }
    }

    /** A policy domain's received TLS reports over a period. */
    record TlsSummary(String policyDomain, long reports, long success, long failure, Map<String, Long> failuresByResultType,
                      boolean saturated) {

        static TlsSummary of(TlsReportSummary s) {
            return new TlsSummary(s.policyDomain(), s.reports(), s.success(), s.failure(), s.failuresByResultType(),
                s.saturated());
        }
    }

    /** A received DMARC aggregate report. */
    record DmarcReport(long id, String organization, String reportId, String domain, String begin, String end, long records,
                       long messages, long dmarcPass, String fromDomain, boolean authenticated, String received) {

        static DmarcReport of(DmarcReportListing r) {
            return new DmarcReport(r.id(), r.organization(), r.reportId(), r.domain(), r.begin().toString(), r.end().toString(),
                r.records(), r.messages(), r.dmarcPass(), r.fromDomain(), !r.unauthenticated(), r.receivedAt().toString());
        }

        static DmarcReport of(IncomingDmarcReport r) {
            AggregateReport.Metadata m = r.report().metadata();
            return new DmarcReport(r.id(), m.orgName(), m.reportId(), r.report().policy().domain(), m.begin().toString(),
                m.end().toString(), r.report().records().size(), r.report().messages(), r.report().dmarcPassMessages(),
                r.fromDomain(), !r.unauthenticated(), r.receivedAt().toString());
        }
    }

    /** What reporters said about one of our domains over a period. */
    record DmarcSummary(String domain, long reports, long messages, long dmarcPass, long dispositionNone,
                        long dispositionQuarantine, long dispositionReject, long dkimFail, long spfFail, long policyOverrides,
                        boolean saturated) {

        static DmarcSummary of(DmarcReportSummary s) {
            return new DmarcSummary(s.domain(), s.reports(), s.messages(), s.dmarcPass(), s.dispositionNone(),
                s.dispositionQuarantine(), s.dispositionReject(), s.dkimFail(), s.spfFail(), s.policyOverrides(), s.saturated());
        }
    }

    /** A report mail (or post) that was not stored, and why. */
    record Rejected(long id, String received, String mail, String messageId, String from, String subject, String reason) {

        static Rejected of(RejectedReport r) {
            return new Rejected(r.id(), r.receivedAt().toString(), r.mailName(), r.messageId(), r.mailFrom(), r.subject(),
                r.reason());
        }
    }
}
