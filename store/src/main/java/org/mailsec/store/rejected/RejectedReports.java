package org.mailsec.store.rejected;

import java.time.Instant;
import java.util.List;

/** The record of report mails and posts that were refused, kept as long as received reports. */
public interface RejectedReports {

    /** @return the new record's id */
    long add(RejectedReport rejected);

    /** Records of one kind received in [start, end), oldest first, at most {@code limit}. */
    default List<RejectedReport> list(RejectedReport.Kind kind, Instant start, Instant end, int limit) {
        return list(kind, start, end, new org.mailsec.store.Page(limit, 0));
    }

    /** One page of the records of one kind received in [start, end), oldest first. */
    List<RejectedReport> list(RejectedReport.Kind kind, Instant start, Instant end, org.mailsec.store.Page page);

    /** Retention: removes records received before {@code cutoff}; returns how many went. */
    int deleteReceivedBefore(Instant cutoff);
}
