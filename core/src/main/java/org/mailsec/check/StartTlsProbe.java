package org.mailsec.check;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.mailsec.dane.ClientSideTrustManager;

/**
 * What an MX host presents to a sending MTA: it connects to port 25 of one address, says EHLO, asks for STARTTLS
 * (RFC 3207) and completes the handshake whatever the certificate, which it keeps so that the domain check can judge
 * it under every policy (WebPKI, names, dates, DANE) — a probe, never a delivery: it says QUIT after the handshake.
 * Replies are bounded (octets, line length, line count), every read has the timeout, and the whole probe a deadline
 * at which its socket is closed, so a server that trickles bytes cannot hold it.
 */
public final class StartTlsProbe {

    /** RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets; some servers exceed it, none by this much. */
    private static final int MAX_LINE = 4096;
    private static final int MAX_LINES = 100;
    private static final int MAX_REPLY = 64 * 1024;
    /** Closes the sockets of probes past their deadline (a blocked read returns when its socket closes). */
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mailsec-probe-deadlines");
        t.setDaemon(true);
        return t;
    });

    /**
     * What the probe saw.
     *
     * @param greeting  the server's 220 line (empty when it never answered)
     * @param startTls  whether EHLO offered STARTTLS
     * @param protocol  the negotiated TLS version, when the handshake completed
     * @param chain     the certificates presented, leaf first (empty when none)
     * @param authType  the key exchange the handshake named for the certificate check ("UNKNOWN" in TLS 1.3)
     * @param failure   why the probe stopped short of a completed handshake
     * @param unreachable the failure is this host's network not reaching the address (no route, no IPv6)
     */
    public record Result(String greeting, boolean startTls, Optional<String> protocol, Optional<String> cipherSuite,
                         List<X509Certificate> chain, String authType, Optional<String> failure, boolean unreachable) {
        public Result {
            chain = List.copyOf(chain);
        }

        public boolean handshakeCompleted() {
            return protocol.isPresent();
        }
    }

    private final int port;
    private final Duration timeout;
    private final String heloName;

    /**
     * @param port     25, or another for a lab
     * @param timeout  for the connection and for each reply; the whole probe gets twice as long
     * @param heloName the name said in EHLO (James's hello name)
     */
    public StartTlsProbe(int port, Duration timeout, String heloName) {
        this.port = port;
        this.timeout = timeout;
        this.heloName = heloName;
    }

    private static Result failed(String greeting, boolean startTls, String why) {
        return new Result(greeting, startTls, Optional.empty(), Optional.empty(), List.of(), "", Optional.of(why), false);
    }

    /** Probes {@code host} at {@code address} (which the caller resolved and allowed); never throws. */
    public Result probe(String host, InetAddress address) {
        String greeting = "";
        boolean offered = false;
        Socket plain = new Socket();
        ScheduledFuture<?> deadline = DEADLINES.schedule(() -> close(plain), timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
        try (plain) {
            plain.connect(new InetSocketAddress(address, port), (int) timeout.toMillis());
            plain.setSoTimeout((int) timeout.toMillis());
            InputStream in = new BufferedInputStream(plain.getInputStream());
            OutputStream out = plain.getOutputStream();
            List<String> reply = reply(in);
            greeting = reply.get(0);
            if (!greeting.startsWith("220")) {
                return failed(greeting, false, "the server greets with " + greeting);
            }
            send(out, "EHLO " + heloName);
            reply = reply(in);
            if (!reply.get(0).startsWith("250")) {
                return failed(greeting, false, "EHLO refused: " + reply.get(0));
            }
            offered = reply.stream().skip(1).anyMatch(l -> l.length() > 4
                && l.substring(4).trim().toUpperCase(Locale.ROOT).equals("STARTTLS"));
            if (!offered) {
                send(out, "QUIT");
                return failed(greeting, false, "STARTTLS is not offered");
            }
            send(out, "STARTTLS");
            reply = reply(in);
            if (!reply.get(0).startsWith("220")) {
                return failed(greeting, true, "STARTTLS refused: " + reply.get(0));
            }
            return handshake(plain, host, greeting);
        } catch (java.net.NoRouteToHostException e) {
            return new Result(greeting, offered, Optional.empty(), Optional.empty(), List.of(), "",
                Optional.of("no route to " + address.getHostAddress() + ": " + e.getMessage()), true);
        } catch (IOException | GeneralSecurityException e) {
            boolean unreachable = e instanceof java.net.ConnectException && String.valueOf(e.getMessage()).contains("unreachable");
            String why = plain.isClosed() && deadline.isDone() && !deadline.isCancelled()
                ? "no complete answer within " + timeout.multipliedBy(2).toSeconds() + " s"
                : e.getClass().getSimpleName() + ": " + e.getMessage();
            return new Result(greeting, offered, Optional.empty(), Optional.empty(), List.of(), "", Optional.of(why), unreachable);
        } finally {
            deadline.cancel(false);
        }
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing is all that is wanted.
        }
    }

    private Result handshake(Socket plain, String host, String greeting) throws IOException, GeneralSecurityException {
        Keeping keeping = new Keeping();
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {keeping}, null);
        try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, false)) {
            SSLParameters parameters = tls.getSSLParameters();
            try {
                // RFC 7672 §8.1 and RFC 8461 §4.2: the client sends the MX host name as SNI.
                parameters.setServerNames(List.of(new SNIHostName(host)));
            } catch (IllegalArgumentException e) {
                // A name SNI cannot carry (an underscore, say): the handshake goes without it.
            }
            tls.setSSLParameters(parameters);
            tls.startHandshake();
            String protocol = tls.getSession().getProtocol();
            String cipher = tls.getSession().getCipherSuite();
            try {
                send(tls.getOutputStream(), "QUIT");
            } catch (IOException e) {
                // The handshake is what was asked; a server that hangs up first changes nothing.
            }
            return new Result(greeting, true, Optional.of(protocol), Optional.of(cipher), keeping.chain, keeping.authType,
                Optional.empty(), false);
        } catch (javax.net.ssl.SSLException e) {
            return new Result(greeting, true, Optional.empty(), Optional.empty(), keeping.chain, keeping.authType,
                Optional.of("TLS handshake failed: " + e.getMessage()), false);
        }
    }

    private static void send(OutputStream out, String command) throws IOException {
        out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** One SMTP reply, all its lines (RFC 5321 §4.2.1: "250-" continues, "250 " ends). */
    private static List<String> reply(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        int[] octets = {0};
        while (lines.size() < MAX_LINES) {
            String line = line(in, octets);
            lines.add(line);
            if (line.length() < 4 || line.charAt(3) != '-') {
                return lines;
            }
        }
        throw new IOException("a reply of more than " + MAX_LINES + " lines");
    }

    /** One reply line; every octet read counts towards the reply's cap, CRs included. */
    private static String line(InputStream in, int[] octets) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (++octets[0] > MAX_REPLY) {
                throw new IOException("a reply of more than " + MAX_REPLY + " octets");
            }
            if (c < 0) {
                throw new IOException(line.isEmpty() ? "the server closed the connection" : "the reply ends unfinished");
            }
            if (line.length() >= MAX_LINE) {
                throw new IOException("a reply line longer than " + MAX_LINE + " octets");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    /** Accepts any server certificate and keeps the chain: judging it is the check's work, not the handshake's. */
    private static final class Keeping extends ClientSideTrustManager {
        private volatile List<X509Certificate> chain = List.of();
        private volatile String authType = "";

        @Override
        public void checkServerTrusted(X509Certificate[] presented, String authType, Socket socket) {
            keep(presented, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] presented, String authType, SSLEngine engine) {
            keep(presented, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] presented, String authType) {
            keep(presented, authType);
        }

        private void keep(X509Certificate[] presented, String type) {
            chain = List.of(presented);
            authType = type == null ? "" : type;
        }
    }
}
