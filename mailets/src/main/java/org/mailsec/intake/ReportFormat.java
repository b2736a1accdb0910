package org.mailsec.intake;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.mailsec.io.RejectedInputException;
import org.mailsec.store.rejected.RejectedReport;

/**
 * One kind of report the intake takes: how to read it, what it is about, and where it is stored.
 *
 * @param <R> the parsed report
 */
public interface ReportFormat<R> {

    RejectedReport.Kind kind();

    /** The reports in {@code bytes}, read leniently within the input caps. */
    List<R> read(byte[] bytes, String fileName) throws RejectedInputException;

    /** The domains (or hosts) a report is about. */
    List<String> about(R report);

    /** "TLS report {id} from {organization}", for logs and refusal reasons. */
    String describe(R report);

    /** Stores a report once; empty when it was stored already. */
    Optional<Long> store(R report, Arrival arrival, boolean unauthenticated, Instant receivedAt);
}
