package org.mailsec.reportreceiver;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The HTTPS endpoint receiving TLS reports posted to an {@code https:} rua (RFC 8460 §3), off by default.
 *
 * @param keystore       PKCS#12 key and certificate chain; required unless {@code plaintext}
 * @param plaintext      plain HTTP, for use behind a proxy that terminates TLS
 * @param maxBytes       the largest body accepted, compressed or not
 * @param ratePerMinute  posts accepted per client address and minute
 * @param onlyOurDomains refuse reports about none of James's domains
 * @param headerTimeout  how long a client may take to send its request headers, TLS handshake included
 * @param connectionsPerClient connections one client address (an IPv6 /64) may hold at once
 */
public record ReceiverSettings(boolean enabled, String bind, int port, String path, Optional<Path> keystore,
                               String keystorePassword, boolean plaintext, int maxBytes, int ratePerMinute,
                               boolean onlyOurDomains, Duration headerTimeout, int connectionsPerClient) {
}
