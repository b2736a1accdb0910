package org.mailsec.store.dmarc;

/**
 * What reporters said about one of our domains over a period (sums over their aggregate reports).
 * {@code saturated}: a sum passed 2^63-1 and shows that maximum (counts are bounded per report, not per period).
 */
public record DmarcReportSummary(String domain, long reports, long messages, long dmarcPass, long dispositionNone,
                                 long dispositionQuarantine, long dispositionReject, long dkimFail, long spfFail,
                                 long policyOverrides, boolean saturated) {
}
