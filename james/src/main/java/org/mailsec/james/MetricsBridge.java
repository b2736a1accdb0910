package org.mailsec.james;

import org.apache.james.metrics.api.MetricFactory;
import org.mailsec.metrics.MailsecMetrics;
import org.mailsec.mtasts.PolicyFetch;
import org.mailsec.store.dmarc.CoalescingEvaluations;
import org.mailsec.store.tls.CoalescingRecorder;
import org.mailsec.stspolicy.MtaStsPolicies;

/** mailsec's component listeners, reported through James's {@link MetricFactory}. */
final class MetricsBridge {

    private MetricsBridge() {
    }

    /** TLS result recorder: flushes, failed flushes, back-pressure. */
    static final class Recorder implements CoalescingRecorder.Listener {
        private final MetricFactory metrics;

        Recorder(MetricFactory metrics) {
            this.metrics = metrics;
        }

        @Override
        public void flushed(int keys, long sessions, long nanos) {
            metrics.generate(MailsecMetrics.RECORDER_FLUSHED_SESSIONS).add((int) Math.min(Integer.MAX_VALUE, sessions));
        }

        @Override
        public void flushFailed(int keys, RuntimeException error) {
            metrics.generate(MailsecMetrics.RECORDER_FLUSH_FAILURES).increment();
        }

        @Override
        public void backPressure() {
            metrics.generate(MailsecMetrics.RECORDER_BACK_PRESSURE).increment();
        }

        @Override
        public void quarantined(org.mailsec.store.tls.TlsResultKey key, RuntimeException error) {
            metrics.generate(MailsecMetrics.RECORDER_QUARANTINED_KEYS).increment();
        }
    }

    /** DMARC evaluation writer: evaluations stored, failed writes, back-pressure, evaluations set aside. */
    static final class EvaluationWriter implements CoalescingEvaluations.Listener {
        private final MetricFactory metrics;

        EvaluationWriter(MetricFactory metrics) {
            this.metrics = metrics;
        }

        @Override
        public void flushed(int evaluations, long nanos) {
            metrics.generate(MailsecMetrics.DMARC_EVALUATIONS_STORED).add(evaluations);
        }

        @Override
        public void flushFailed(int evaluations, RuntimeException error) {
            metrics.generate(MailsecMetrics.DMARC_EVALUATION_STORE_FAILURES).increment();
        }

        @Override
        public void backPressure() {
            metrics.generate(MailsecMetrics.DMARC_EVALUATION_BACK_PRESSURE).increment();
        }

        @Override
        public void setAside(java.util.List<org.mailsec.store.dmarc.Evaluation> evaluations, RuntimeException error) {
            metrics.generate(MailsecMetrics.DMARC_EVALUATIONS_SET_ASIDE).add(evaluations.size());
        }
    }

    /** MTA-STS: fetch outcomes, cache trouble. */
    static final class Policies implements MtaStsPolicies.Listener {
        private final MetricFactory metrics;

        Policies(MetricFactory metrics) {
            this.metrics = metrics;
        }

        @Override
        public void fetched(String domain, PolicyFetch fetch) {
            metrics.generate(MailsecMetrics.mtaStsFetch(fetch.outcome().name())).increment();
        }

        @Override
        public void cacheError(String domain, RuntimeException error) {
            metrics.generate(MailsecMetrics.MTASTS_CACHE_ERRORS).increment();
        }
    }
}
