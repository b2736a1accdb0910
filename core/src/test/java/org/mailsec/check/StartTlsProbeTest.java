package org.mailsec.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The probe against hostile SMTP servers on loopback: it answers, bounded in time and memory. */
class StartTlsProbeTest {

    /** A server that greets, then does {@code behaviour} with the connection. */
    private interface Behaviour {
        void on(OutputStream out) throws Exception;
    }

    private static StartTlsProbe.Result probe(Duration timeout, Behaviour behaviour) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread thread = new Thread(() -> {
                try (Socket client = server.accept()) {
                    behaviour.on(client.getOutputStream());
                } catch (Exception e) {
                    // The probe hung up.
                }
            });
            thread.setDaemon(true);
            thread.start();
            return new StartTlsProbe(server.getLocalPort(), timeout, "probe.test").probe("mx.test", InetAddress.getLoopbackAddress());
        }
    }

    @Test
    void aServerTricklingBytesIsCutAtTheProbesDeadline() throws Exception {
        long start = System.nanoTime();
        StartTlsProbe.Result result = probe(Duration.ofMillis(500), out -> {
            out.write("220-".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 100; i++) {
                out.write('x');
                out.flush();
                Thread.sleep(200);
            }
        });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(result.failure()).isPresent();
        assertThat(result.handshakeCompleted()).isFalse();
    }

    @Test
    void aFloodOfCarriageReturnsIsCutAtTheReplyCap() throws Exception {
        StartTlsProbe.Result result = probe(Duration.ofSeconds(5), out -> {
            out.write("220 x".getBytes(StandardCharsets.US_ASCII));
            byte[] crs = new byte[8192];
            java.util.Arrays.fill(crs, (byte) '\r');
            for (int i = 0; i < 1000; i++) {
                out.write(crs);
            }
        });
        assertThat(result.failure()).hasValueSatisfying(f -> assertThat(f).contains("more than 65536 octets"));
    }

    @Test
    void aServerWithoutStartTlsIsSaidSo() throws Exception {
        StartTlsProbe.Result result = probe(Duration.ofSeconds(5), out -> {
            out.write("220 mx.test ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(100);
            out.write("250-mx.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(500);
        });
        assertThat(result.startTls()).isFalse();
        assertThat(result.failure()).hasValue("STARTTLS is not offered");
        assertThat(result.greeting()).isEqualTo("220 mx.test ESMTP");
    }
}
