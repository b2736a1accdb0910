package org.mailsec.james;

import java.util.Locale;
import org.apache.james.metrics.api.MetricFactory;
import org.mailsec.mtasts.PolicyFetch;
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
            metrics.generate("mailsec_recorder_flushed_sessions").add((int) Math.min(Integer.MAX_VALUE, sessions));
        }

        @Override
        public void flushFailed(int keys, RuntimeException error) {
            metrics.generate("mailsec_recorder_flush_failures").increment();
        }

        @Override
        public void backPressure() {
            metrics.generate("mailsec_recorder_back_pressure").increment();
        }

        @Override
        public void quarantined(org.mailsec.store.tls.TlsResultKey key, RuntimeException error) {
            metrics.generate("mailsec_recorder_quarantined_keys").increment();
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
            metrics.generate("mailsec_mtasts_fetch_" + fetch.outcome().name().toLowerCase(Locale.ROOT)).increment();
        }

        @Override
        public void cacheError(String domain, RuntimeException error) {
            metrics.generate("mailsec_mtasts_cache_errors").increment();
        }
    }
}
