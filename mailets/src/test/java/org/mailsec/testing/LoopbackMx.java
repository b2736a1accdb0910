package org.mailsec.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;

/**
 * A real SMTP server (subethasmtp) standing in for an MX host on a loopback address. Several can share one
 * port on 127.0.0.2, 127.0.0.3, ... (Linux routes all of 127/8 to the loopback interface).
 */
public final class LoopbackMx implements AutoCloseable {

    /** A message as the MX received it; {@code session} names the SMTP connection it came over. */
    public record Received(String mailFrom, List<String> recipients, byte[] data, boolean tls, String tlsProtocol,
                           String session) {
        public String text() {
            return new String(data, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private final SMTPServer server;
    private final List<Received> messages = new CopyOnWriteArrayList<>();
    private final java.util.Set<String> sessions = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.Set<String> refused = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private LoopbackMx(String address, int port, SSLContext tls, boolean advertiseRequireTls) throws IOException {
        SMTPServer.Builder builder = SMTPServer.port(port).bindAddress(InetAddress.getByName(address))
            .hostName("mx-" + address).messageHandlerFactory(this::handler);
        if (tls != null) {
            builder.enableTLS().startTlsSocketFactory(tls);
        }
        this.server = builder.build();
        if (advertiseRequireTls) {
            server.getCommandHandler().addCommand(new EhloWithRequireTls());
        }
        server.start();
    }

    /** An MX offering STARTTLS with {@code tls}'s certificate, or none when {@code tls} is null. */
    public static LoopbackMx start(String address, int port, SSLContext tls) throws IOException {
        return new LoopbackMx(address, port, tls, false);
    }

    /** An MX that also advertises REQUIRETLS (RFC 8689) in its EHLO answer. */
    public static LoopbackMx startWithRequireTls(String address, int port, SSLContext tls) throws IOException {
        return new LoopbackMx(address, port, tls, true);
    }

    /** A port free on the loopback addresses. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    public List<Received> messages() {
        return List.copyOf(messages);
    }

    /** Connections (SMTP sessions) that carried at least one mail transaction since the last {@link #clear()}. */
    public int connections() {
        return sessions.size();
    }

    /** Waits until {@code count} messages arrived. */
    public List<Received> await(int count, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (messages.size() < count) {
            if (System.nanoTime() > end) {
                throw new AssertionError("expected " + count + " message(s) at " + server.getDisplayableLocalSocketAddress()
                    + ", got " + messages.size());
            }
            Thread.sleep(20);
        }
        return messages();
    }

    /** RCPT TO this address is answered {@code 550 5.1.1} from now on (a hard bounce). */
    public void refuse(String address) {
        refused.add(address.toLowerCase(java.util.Locale.ROOT));
    }

    public void clear() {
        messages.clear();
        sessions.clear();
    }

    @Override
    public void close() {
        server.stop();
    }

    private MessageHandler handler(MessageContext context) {
        sessions.add(context.getSessionId());
        return new MessageHandler() {
            private String from;
            private final List<String> recipients = new ArrayList<>();

            @Override
            public void from(String from) {
                this.from = from;
            }

            @Override
            public void recipient(String recipient) throws org.subethamail.smtp.RejectException {
                if (refused.contains(recipient.toLowerCase(java.util.Locale.ROOT))) {
                    throw new org.subethamail.smtp.RejectException(550, "5.1.1 no such mailbox: " + recipient);
                }
                recipients.add(recipient);
            }

            @Override
            public String data(InputStream data) throws IOException {
                Session session = (Session) context;
                boolean tls = session.isTLSStarted();
                String protocol = tls && session.getSocket() instanceof SSLSocket s ? s.getSession().getProtocol() : "";
                messages.add(new Received(from, List.copyOf(recipients), data.readAllBytes(), tls, protocol,
                    context.getSessionId()));
                return null;
            }

            @Override
            public void done() {
            }
        };
    }

    /** EHLO as subethasmtp answers it, plus REQUIRETLS once TLS is up (RFC 8689 §3). */
    private static final class EhloWithRequireTls extends BaseCommand {
        EhloWithRequireTls() {
            super("EHLO", "Introduce yourself.", "<hostname>");
        }

        @Override
        public void execute(String commandString, Session session) throws IOException {
            String[] args = getArgs(commandString);
            if (args.length < 2) {
                session.sendResponse("501 Syntax: EHLO hostname");
                return;
            }
            session.resetMailTransaction();
            session.setHelo(args[1]);
            StringBuilder answer = new StringBuilder("250-").append(session.getServer().getHostName())
                .append("\r\n250-8BITMIME");
            if (session.getServer().getEnableTLS() && !session.isTLSStarted()) {
                answer.append("\r\n250-STARTTLS");
            }
            if (session.isTLSStarted()) {
                answer.append("\r\n250-REQUIRETLS");
            }
            answer.append("\r\n250 Ok");
            session.sendResponse(answer.toString());
        }
    }
}
