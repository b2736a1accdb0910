package org.mailsec.james;

import javax.annotation.PreDestroy;
import javax.inject.Inject;
import org.mailsec.store.Database;
import org.mailsec.store.tls.CoalescingRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closes what mailsec opened when James stops: pending TLS results are written, then the store closes. */
public class MailsecLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(MailsecLifecycle.class);

    private final CoalescingRecorder recorder;
    private final Database database;

    @Inject
    public MailsecLifecycle(CoalescingRecorder recorder, Database database) {
        this.recorder = recorder;
        this.database = database;
    }

    @PreDestroy
    public void stop() {
        try {
            recorder.close();
        } catch (RuntimeException e) {
            LOG.error("mailsec: TLS results still pending at shutdown could not be stored", e);
        }
        database.close();
        LOG.info("mailsec stopped");
    }
}
