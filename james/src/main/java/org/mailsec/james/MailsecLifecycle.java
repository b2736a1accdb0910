package org.mailsec.james;

import javax.annotation.PreDestroy;
import javax.inject.Inject;
import org.mailsec.store.Database;
import org.mailsec.store.dmarc.CoalescingEvaluations;
import org.mailsec.store.tls.CoalescingRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closes what mailsec opened when James stops: pending TLS results and DMARC evaluations are written, then the store closes. */
public class MailsecLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(MailsecLifecycle.class);

    private final CoalescingRecorder recorder;
    private final CoalescingEvaluations evaluations;
    private final Database database;

    @Inject
    public MailsecLifecycle(CoalescingRecorder recorder, CoalescingEvaluations evaluations, Database database) {
        this.recorder = recorder;
        this.evaluations = evaluations;
        this.database = database;
    }

    @PreDestroy
    public void stop() {
        try {
            try {
                recorder.close();
            } catch (RuntimeException e) {
                LOG.error("mailsec: TLS results still pending at shutdown could not be stored", e);
            } finally {
                try {
                    evaluations.close();
                } catch (RuntimeException e) {
                    LOG.error("mailsec: {} DMARC evaluations still pending at shutdown could not be stored",
                        evaluations.pending(), e);
                }
            }
        } finally {
            // Whatever went wrong above, the pool's connections are given back.
            database.close();
        }
        LOG.info("mailsec stopped");
    }
}
