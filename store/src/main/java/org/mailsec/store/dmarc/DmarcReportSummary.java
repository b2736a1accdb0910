package org.mailsec.store.dmarc;

/** What reporters said about one of our domains over a period (sums over their aggregate reports). */
public record DmarcReportSummary(String domain, long reports, long messages, long dmarcPass, long dispositionNone,
                                 long dispositionQuarantine, long dispositionReject, long dkimFail, long spfFail,
                                 long policyOverrides) {
}
