package org.mailsec.mailets;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import javax.mail.MessagingException;
import org.apache.james.dnsservice.api.InMemoryDNSService;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.queue.api.RawMailQueueItemDecoratorFactory;
import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mailsec.queue.TransportSecurity;
import org.mailsec.testing.FixedDomainList;

/** A connection parameter James could not use stops the mailet at start, naming the parameter and the value. */
class SecureRemoteDeliveryParametersTest {

    @ParameterizedTest
    @CsvSource({"connectionReuseLimit,0", "connectionReuseLimit,many", "connectionIdleTimeout,-1",
        "connectionMaxAge,5m", "tlsSessionCache,yes", "deliveryThreads,0"})
    void aBadParameterStopsTheMailetWithItsName(String name, String value) {
        SecureRemoteDelivery mailet = new SecureRemoteDelivery(new InMemoryDNSService(), new FixedDomainList("sender.test"),
            new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory()), new RecordingMetricFactory(),
            new TransportSecurity(null, null, null, null));
        FakeMailetConfig config = FakeMailetConfig.builder().mailetName("SecureRemoteDelivery")
            .mailetContext(FakeMailContext.defaultContext()).setProperty("outgoing", "outgoing-" + name)
            .setProperty(name, value).build();
        assertThatThrownBy(() -> mailet.init(config)).isInstanceOf(MessagingException.class)
            .hasMessageContaining(name).hasMessageContaining(value);
    }
}
