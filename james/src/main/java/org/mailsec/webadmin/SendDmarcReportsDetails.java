package org.mailsec.webadmin;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import org.apache.james.json.DTOModule;
import org.apache.james.server.task.json.dto.AdditionalInformationDTO;
import org.apache.james.server.task.json.dto.AdditionalInformationDTOModule;
import org.apache.james.task.TaskExecutionDetails;
import org.mailsec.reporting.DmarcReportRun;

/**
 * What a {@code mailsec-send-dmarc-reports} task did, shown by {@code GET /tasks/{id}} as its
 * {@code additionalInformation}: the period end and how many reports were mailed, failed, suppressed, skipped
 * (nothing to send), postponed (DNS), too large for every rua, and how many rua were refused as unauthorized external
 * destinations. Empty counts while the task waits or runs.
 */
public record SendDmarcReportsDetails(Instant periodEnd, int mailed, int failed, int suppressed, int skipped, int postponed,
                                      int tooLarge, int externalRefused, Instant timestamp)
        implements TaskExecutionDetails.AdditionalInformation {

    static SendDmarcReportsDetails of(DmarcReportRun.Summary s, Instant now) {
        return new SendDmarcReportsDetails(s.periodEnd(), s.mailed(), s.failed(), s.suppressed(), s.skipped(), s.postponed(),
            s.tooLarge(), s.externalRefused(), now);
    }

    /** The webadmin JSON form, registered in James's set of task DTO modules. */
    public static AdditionalInformationDTOModule<SendDmarcReportsDetails, Json> module() {
        return DTOModule.forDomainObject(SendDmarcReportsDetails.class)
            .convertToDTO(Json.class)
            .toDomainObjectConverter(j -> new SendDmarcReportsDetails(Instant.parse(j.periodEnd()), j.mailed(), j.failed(),
                j.suppressed(), j.skipped(), j.postponed(), j.tooLarge(), j.externalRefused(), j.timestamp()))
            .toDTOConverter((d, type) -> new Json(type, d.periodEnd().toString(), d.mailed(), d.failed(), d.suppressed(),
                d.skipped(), d.postponed(), d.tooLarge(), d.externalRefused(), d.timestamp()))
            .typeName(DmarcReportRoutes.SEND_REPORTS.asString())
            .withFactory(AdditionalInformationDTOModule::new);
    }

    /** {@code {"type","periodEnd","mailed","failed","suppressed","skipped","postponed","tooLarge","externalRefused","timestamp"}}. */
    public record Json(@JsonProperty("type") String type, @JsonProperty("periodEnd") String periodEnd,
                       @JsonProperty("mailed") int mailed, @JsonProperty("failed") int failed,
                       @JsonProperty("suppressed") int suppressed, @JsonProperty("skipped") int skipped,
                       @JsonProperty("postponed") int postponed, @JsonProperty("tooLarge") int tooLarge,
                       @JsonProperty("externalRefused") int externalRefused, @JsonProperty("timestamp") Instant timestamp)
            implements AdditionalInformationDTO {

        @Override
        public String getType() {
            return type;
        }

        @Override
        public Instant getTimestamp() {
            return timestamp;
        }
    }
}
