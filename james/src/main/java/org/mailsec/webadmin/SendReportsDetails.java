package org.mailsec.webadmin;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.time.LocalDate;
import org.apache.james.json.DTOModule;
import org.apache.james.server.task.json.dto.AdditionalInformationDTO;
import org.apache.james.server.task.json.dto.AdditionalInformationDTOModule;
import org.apache.james.task.TaskExecutionDetails;
import org.mailsec.reporting.TlsReportRun;

/**
 * What a {@code mailsec-send-tls-reports} task did, shown by {@code GET /tasks/{id}} as its
 * {@code additionalInformation}: the day and how many reports were mailed, posted, failed, suppressed or
 * skipped. Empty counts while the task waits or runs.
 */
public record SendReportsDetails(LocalDate day, int mailed, int posted, int failed, int suppressed, int skipped,
                                 Instant timestamp) implements TaskExecutionDetails.AdditionalInformation {

    static SendReportsDetails of(TlsReportRun.Summary summary, Instant now) {
        return new SendReportsDetails(summary.day(), summary.mailed(), summary.posted(), summary.failed(),
            summary.suppressed(), summary.skipped(), now);
    }

    /** The webadmin JSON form, registered in James's set of task DTO modules. */
    public static AdditionalInformationDTOModule<SendReportsDetails, Json> module() {
        return DTOModule.forDomainObject(SendReportsDetails.class)
            .convertToDTO(Json.class)
            .toDomainObjectConverter(json -> new SendReportsDetails(LocalDate.parse(json.day), json.mailed, json.posted,
                json.failed, json.suppressed, json.skipped, json.timestamp))
            .toDTOConverter((details, type) -> new Json(type, details.day().toString(), details.mailed(), details.posted(),
                details.failed(), details.suppressed(), details.skipped(), details.timestamp()))
            .typeName(TlsReportRoutes.SEND_REPORTS.asString())
            .withFactory(AdditionalInformationDTOModule::new);
    }

    /** {@code {"type","day","mailed","posted","failed","suppressed","skipped","timestamp"}}. */
    public static final class Json implements AdditionalInformationDTO {
        private final String type;
        private final String day;
        private final int mailed;
        private final int posted;
        private final int failed;
        private final int suppressed;
        private final int skipped;
        private final Instant timestamp;

        public Json(@JsonProperty("type") String type, @JsonProperty("day") String day, @JsonProperty("mailed") int mailed,
                    @JsonProperty("posted") int posted, @JsonProperty("failed") int failed,
                    @JsonProperty("suppressed") int suppressed, @JsonProperty("skipped") int skipped,
                    @JsonProperty("timestamp") Instant timestamp) {
            this.type = type;
            this.day = day;
            this.mailed = mailed;
            this.posted = posted;
            this.failed = failed;
            this.suppressed = suppressed;
            this.skipped = skipped;
            this.timestamp = timestamp;
        }

        @Override
        public String getType() {
            return type;
        }

        @Override
        public Instant getTimestamp() {
            return timestamp;
        }

        public String getDay() {
            return day;
        }

        public int getMailed() {
            return mailed;
        }

        public int getPosted() {
            return posted;
        }

        public int getFailed() {
            return failed;
        }

        public int getSuppressed() {
            return suppressed;
        }

        public int getSkipped() {
            return skipped;
        }
    }
}
