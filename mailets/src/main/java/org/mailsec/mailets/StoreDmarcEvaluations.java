package org.mailsec.mailets;

import java.util.List;
import javax.inject.Inject;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.mailsec.authentication.EvaluationJson;
import org.mailsec.mail.MailsecAttributes;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.store.dmarc.Evaluation;
import org.mailsec.store.dmarc.Evaluations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores the DMARC evaluations DmarcHook left on an accepted mail (attribute {@code mailsec.dmarc.evaluations}) for the
 * aggregate reports of their policy domains, and removes the attribute. First in the root processor of the sample
 * mailetcontainer.xml: {@code <mailet match="All" class="org.mailsec.mailets.StoreDmarcEvaluations"/>}. A store that
 * fails costs the evaluation, never the mail.
 */
public class StoreDmarcEvaluations extends GenericMailet {

    private static final Logger LOG = LoggerFactory.getLogger(StoreDmarcEvaluations.class);

    private final Evaluations evaluations;
    private final MetricFactory metrics;

    @Inject
    public StoreDmarcEvaluations(Evaluations evaluations, MetricFactory metrics) {
        this.evaluations = evaluations;
        this.metrics = metrics;
    }

    @Override
    public void service(Mail mail) {
        mail.getAttribute(MailsecAttributes.DMARC_EVALUATIONS).ifPresent(attribute -> {
            mail.removeAttribute(MailsecAttributes.DMARC_EVALUATIONS);
            try {
                List<Evaluation> made = EvaluationJson.read(String.valueOf(attribute.getValue().value()));
                evaluations.addAll(made);
            } catch (RuntimeException e) {
                metrics.generate(MailsecMetrics.DMARC_EVALUATION_FAILURES).increment();
                LOG.warn("DMARC evaluations of mail {} not stored: {}", mail.getName(), e.getMessage());
            }
        });
    }
}
