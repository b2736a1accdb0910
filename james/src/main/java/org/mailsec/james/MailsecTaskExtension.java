package org.mailsec.james;

import java.util.Set;
import org.apache.james.server.task.json.TaskExtensionModule;
import org.apache.james.server.task.json.dto.AdditionalInformationDTO;
import org.apache.james.server.task.json.dto.AdditionalInformationDTOModule;
import org.apache.james.server.task.json.dto.TaskDTO;
import org.apache.james.server.task.json.dto.TaskDTOModule;
import org.apache.james.task.Task;
import org.apache.james.task.TaskExecutionDetails;
import org.mailsec.webadmin.SendDmarcReportsDetails;
import org.mailsec.webadmin.SendReportsDetails;

/**
 * mailsec's task JSON for James ({@code guice.extension.task} in extensions.properties): webadmin shows what a
 * send-tls-reports or send-dmarc-reports task did under {@code GET /tasks/{id}}. James's extension point for this; a multibinding from
 * {@link MailsecModule} would collide with James's own set.
 */
public class MailsecTaskExtension implements TaskExtensionModule {

    @Override
    public Set<TaskDTOModule<? extends Task, ? extends TaskDTO>> taskDTOModules() {
        // The tasks run where they are created (memory task manager): they are never serialized.
        return Set.of();
    }

    @Override
    public Set<AdditionalInformationDTOModule<? extends TaskExecutionDetails.AdditionalInformation,
            ? extends AdditionalInformationDTO>> taskAdditionalInformationDTOModules() {
        return Set.of(SendReportsDetails.module(), SendDmarcReportsDetails.module());
    }
}
