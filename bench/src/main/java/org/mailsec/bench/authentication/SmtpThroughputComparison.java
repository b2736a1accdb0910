package org.mailsec.bench.authentication;

import com.sun.mail.smtp.SMTPTransport;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import javax.mail.Address;
import javax.mail.Session;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import org.mailsec.testing.DkimKeys;
import org.mailsec.testing.LoopbackDnsServer;

/**
 * SMTP throughput of two real James servers (the sample conf/, each in its own JVM as an operator runs it), one with
 * mailsec's DmarcHook in the handler chain and one without, receiving the same DKIM-signed mail from the same loopback
 * clients; rounds alternate between them, each measured alone: the rate James accepts the mail at over SMTP, and
 * the rate until it is all delivered (the spool empty again). DNS answers come from a loopback DNS server through mailsec's caching
 * resolver. Run from the project root after {@code mvn -B -ntp -q install -DskipTests}:
 * {@code java -cp bench/target/mailsec-bench.jar org.mailsec.bench.authentication.SmtpThroughputComparison [mails] [clients] [rounds]}
 */
public final class SmtpThroughputComparison {

    private static final String BOB = "bob@localhost";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /**
     * Recipients of a round, each a mailbox of its own ({@code -Dmailsec.bench.mailboxes=N}, default 200): James's
     * memory mailbox guesses each delivered mail's thread by searching every message of the user's mailboxes, parsing
     * their headers again, so the fewer mails a mailbox holds the less a round measures that search.
     */
    private static final int MAILBOXES = Integer.getInteger("mailsec.bench.mailboxes", 200);
    /**
     * Rounds not counted ({@code -Dmailsec.bench.warmup=N}, default 4): both JVMs keep compiling for the first several
     * thousand mails, and the JIT's own CPU time is most of what a round costs until then.
     */
    private static final int WARM_UP = Integer.getInteger("mailsec.bench.warmup", 4);

    public static void main(String[] args) throws Exception {
        int mails = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        // With "norua", the policy asks for no reports: no evaluation is stored (the store's share of the cost).
        boolean rua = !(args.length > 3 && args[3].equals("norua"));
        KeyPair key = DkimKeys.generate();
        Path dir = Files.createTempDirectory("mailsec-smtp-bench");
        try (LoopbackDnsServer dns = LoopbackDnsServer.start()) {
            dns.addSignedZone("sender.test", "@ SOA ns hostmaster 1 3600 600 86400 300\n"
                + "@ TXT \"v=spf1 mx include:_spf.sender.test -all\"\n"
                + "_spf TXT \"v=spf1 ip4:127.0.0.0/8 -all\"\n"
                + "@ MX 10 mail.sender.test.\n"
                + "mail A 203.0.113.9\n"
                + "_dmarc TXT \"v=DMARC1; p=reject" + (rua ? "; rua=mailto:dmarc@sender.test" : "") + "\"\n"
                + "s1._domainkey TXT " + DkimKeys.zoneRecord(key) + "\n");
            Path anchors = Files.writeString(dir.resolve("anchors.txt"), dns.trustAnchorText());
            Server withHook = Server.start(dir.resolve("with"), dns, anchors, true);
            Server without = Server.start(dir.resolve("without"), dns, anchors, false);
            try {
                List<byte[]> messages = AuthenticationBenchmarkMessages.signed(mails, key);
                List<Double> hookedAccepted = new ArrayList<>();
                List<Double> plainAccepted = new ArrayList<>();
                List<Double> hookedDelivered = new ArrayList<>();
                List<Double> plainDelivered = new ArrayList<>();
                List<Double> hookedCpu = new ArrayList<>();
                List<Double> plainCpu = new ArrayList<>();
                Map<String, Long> hookedThreads = new TreeMap<>();
                Map<String, Long> plainThreads = new TreeMap<>();
                for (int round = 1 - WARM_UP; round <= rounds; round++) {
                    if (round == 1) {
                        withHook.startRecording("with");
                        without.startRecording("without");
                    }
                    // Fresh mailboxes each round, few mails in each (see MAILBOXES): the thread search grows with the
                    // mailbox and with the header bytes of each message in it, and is not what is measured here.
                    List<String> rcpts = new ArrayList<>();
                    for (int m = 0; m < MAILBOXES; m++) {
                        rcpts.add("bob" + round + "-" + m + "@localhost");
                        withHook.addUser(rcpts.get(m));
                        without.addUser(rcpts.get(m));
                    }
                    int queries = dns.queryCount();
                    Run a = Run.of(withHook, messages, clients, rcpts);
                    int hookQueries = dns.queryCount() - queries;
                    Run b = Run.of(without, messages, clients, rcpts);
                    if (round > 0) {
                        hookedAccepted.add(a.accepted());
                        plainAccepted.add(b.accepted());
                        hookedDelivered.add(a.delivered());
                        plainDelivered.add(b.delivered());
                        hookedCpu.add(a.cpuMicrosPerMail());
                        plainCpu.add(b.cpuMicrosPerMail());
                        a.threadCpuMicros().forEach((k, v) -> hookedThreads.merge(k, v, Long::sum));
                        b.threadCpuMicros().forEach((k, v) -> plainThreads.merge(k, v, Long::sum));
                    }
                    // The round's mailboxes go: James keeps memory mailboxes in its heap, which would make each round's
                    // garbage collection dearer than the last's.
                    for (String rcpt : rcpts) {
                        withHook.deleteMailboxes(rcpt);
                        without.deleteMailboxes(rcpt);
                    }
                    System.out.printf("round %d: with DmarcHook %.0f mails/s accepted, %.0f delivered, %.0f µs CPU a mail;"
                        + " without %.0f accepted, %.0f delivered, %.0f µs CPU (DNS queries with the hook: %d)%n", round,
                        a.accepted(), a.delivered(), a.cpuMicrosPerMail(), b.accepted(), b.delivered(), b.cpuMicrosPerMail(),
                        hookQueries);
                }
                System.out.printf("median over %d rounds of %d mails from %d clients — accepted over SMTP: with DmarcHook %.0f"
                    + " mails/s, without %.0f, ratio %.2f; accepted and delivered: with %.0f, without %.0f, ratio %.2f%n",
                    rounds, mails, clients, median(hookedAccepted), median(plainAccepted),
                    median(hookedAccepted) / median(plainAccepted), median(hookedDelivered), median(plainDelivered),
                    median(hookedDelivered) / median(plainDelivered));
                System.out.printf("James's CPU time a mail (its whole process, /proc): with DmarcHook %.0f µs, without %.0f µs%n",
                    median(hookedCpu), median(plainCpu));
                printThreadCpu(hookedThreads, plainThreads, (long) rounds * messages.size());
                withHook.dumpRecording("with");
                without.dumpRecording("without");
            } finally {
                withHook.stop();
                without.stop();
            }
        }
    }

    /**
     * One server's round: the rate at which it accepted the mail over SMTP, and the rate until all of it was delivered
     * (its spool empty again). The other server is idle meanwhile.
     */
    private record Run(double accepted, double delivered, double cpuMicrosPerMail, Map<String, Long> threadCpuMicros) {
        static Run of(Server server, List<byte[]> messages, int clients, List<String> rcpts) throws Exception {
            long cpu = server.cpuMicros();
            Map<String, Long> threads = server.threadCpuMicros();
            long start = System.nanoTime();
            double accepted = blast(server.smtp, messages, clients, rcpts);
            server.awaitIdle();
            double delivered = messages.size() / ((System.nanoTime() - start) / 1e9);
            Map<String, Long> used = new TreeMap<>();
            server.threadCpuMicros().forEach((thread, micros) -> used.put(thread, micros - threads.getOrDefault(thread, 0L)));
            return new Run(accepted, delivered, (server.cpuMicros() - cpu) / (double) messages.size(), used);
        }
    }

    /**
     * CPU a mail by kind of thread (thread names with their numbers folded), summed over the measured rounds, the
     * kinds that used the most first: where the hook's extra cost lands (SMTP threads, spooler, garbage collector, JIT).
     */
    private static void printThreadCpu(Map<String, Long> with, Map<String, Long> without, long mails) {
        Map<String, Long> both = new TreeMap<>(with);
        without.forEach((k, v) -> both.merge(k, v, Long::sum));
        System.out.println("CPU µs a mail by thread kind (threads alive at both ends of a round): with DmarcHook, without");
        both.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(12)
            .forEach(e -> System.out.printf("  %-18s %6.0f %6.0f%n", e.getKey(), with.getOrDefault(e.getKey(), 0L) / (double) mails,
                without.getOrDefault(e.getKey(), 0L) / (double) mails));
    }

    /** Sends every message over {@code clients} SMTP connections at once; mails per second. */
    private static double blast(int port, List<byte[]> messages, int clients, List<String> rcpts) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            long start = System.nanoTime();
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int first = c;
                running.add(pool.submit(() -> {
                    Properties props = new Properties();
                    props.put("mail.smtp.host", "127.0.0.1");
                    props.put("mail.smtp.port", String.valueOf(port));
                    props.put("mail.smtp.from", "bounces@sender.test");
                    props.put("mail.smtp.localhost", "mail.sender.test");
                    Session session = Session.getInstance(props);
                    try (SMTPTransport transport = (SMTPTransport) session.getTransport("smtp")) {
                        transport.connect();
                        for (int i = first; i < messages.size(); i += clients) {
                            Address[] to = {new InternetAddress(rcpts.get(i % rcpts.size()))};
                            transport.sendMessage(new MimeMessage(session, new ByteArrayInputStream(messages.get(i))), to);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
            return messages.size() / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /** James in its own JVM with the sample configuration on free loopback ports. */
    private record Server(Process process, int smtp, int webadmin) {

        static Server start(Path dir, LoopbackDnsServer dns, Path anchors, boolean dmarcHook) throws Exception {
            int smtp = freePort();
            int imap = freePort();
            int webadmin = freePort();
            Path conf = Files.createDirectories(dir.resolve("conf"));
            try (Stream<Path> files = Files.list(Path.of("conf"))) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    String text = Files.readString(file).replace("127.0.0.1:2525", "127.0.0.1:" + smtp)
                        .replace("127.0.0.1:1143", "127.0.0.1:" + imap).replace("port=8000", "port=" + webadmin);
                    if (!dmarcHook) {
                        text = text.replace("<handler class=\"org.mailsec.smtp.DmarcHook\"/>", "");
                    }
                    Files.writeString(conf.resolve(file.getFileName()), text);
                }
            }
            Files.writeString(conf.resolve("mailsec.properties"), "\nmailsec.dns.servers=" + dns.hostPort()
                + "\nmailsec.dns.trust.anchors=" + anchors + "\nmailsec.reports.enabled=false"
                // The clients are on loopback, which the sample conf lets relay: evaluate them like any other.
                + "\nmailsec.dmarc.skip.authenticated=false\n", java.nio.file.StandardOpenOption.APPEND);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process process = new ProcessBuilder(java, "-Xmx1g", "-cp", "app/target/mailsec-app-0.1.0-SNAPSHOT.jar:app/target/lib/*",
                "org.mailsec.app.MailsecServer", conf.toString(), dir.resolve("james").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("james.log").toFile()).start();
            long deadline = System.nanoTime() + 180_000_000_000L;
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("James exited; see " + dir.resolve("james.log"));
                }
                try (Socket probe = new Socket("127.0.0.1", smtp)) {
                    HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webadmin
                        + "/users/" + BOB)).PUT(HttpRequest.BodyPublishers.ofString("{\"password\":\"secret\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                    if (created.statusCode() == 204) {
                        return new Server(process, smtp, webadmin);
                    }
                } catch (java.io.IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(500);
            }
            process.destroyForcibly();
            throw new IllegalStateException("James did not start within 180 s; see " + dir.resolve("james.log"));
        }

        void addUser(String address) throws Exception {
            HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webadmin
                + "/users/" + address)).PUT(HttpRequest.BodyPublishers.ofString("{\"password\":\"secret\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
            if (created.statusCode() != 204) {
                throw new IllegalStateException("cannot create " + address + ": " + created.body());
            }
        }

        /**
         * With {@code -Dmailsec.bench.jfr=DIR}: Java Flight Recorder on, from the first measured round (after the warm-up,
         * whose compiling would fill the profile), through the JDK's jcmd.
         */
        void startRecording(String name) throws Exception {
            if (System.getProperty("mailsec.bench.jfr") != null) {
                jcmd("JFR.start", "name=" + name, "settings=profile");
            }
        }

        void dumpRecording(String name) throws Exception {
            String dir = System.getProperty("mailsec.bench.jfr");
            if (dir != null) {
                jcmd("JFR.dump", "name=" + name, "filename=" + Path.of(dir, name + ".jfr").toAbsolutePath());
            }
        }

        private void jcmd(String... arguments) throws Exception {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(process.pid())));
            command.addAll(List.of(arguments));
            Process jcmd = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(jcmd.getInputStream().readAllBytes());
            if (jcmd.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        }

        void deleteMailboxes(String address) throws Exception {
            HttpResponse<String> deleted = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webadmin
                + "/users/" + address + "/mailboxes")).DELETE().build(), HttpResponse.BodyHandlers.ofString());
            if (deleted.statusCode() != 204) {
                throw new IllegalStateException("cannot delete the mailboxes of " + address + ": " + deleted.body());
            }
        }

        /** Waits until James has delivered everything it accepted (its spool is empty). */
        void awaitIdle() throws Exception {
            long deadline = System.nanoTime() + 600_000_000_000L;
            while (System.nanoTime() < deadline) {
                HttpResponse<String> spool = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webadmin
                    + "/mailQueues/spool")).build(), HttpResponse.BodyHandlers.ofString());
                if (spool.statusCode() == 200 && spool.body().replace(" ", "").contains("\"size\":0")) {
                    return;
                }
                Thread.sleep(50);
            }
            throw new IllegalStateException("the spool did not drain within 600 s");
        }

        /** CPU time used so far by each kind of thread of the server's JVM (Linux /proc: names cut at 15 characters). */
        Map<String, Long> threadCpuMicros() throws java.io.IOException {
            Map<String, Long> kinds = new TreeMap<>();
            try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(process.pid()), "task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        String stat = Files.readString(task.resolve("stat"));
                        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "#");
                        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        kinds.merge(name, (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10_000L, Long::sum);
                    } catch (java.nio.file.NoSuchFileException e) {
                        // The thread ended while the list was read.
                    }
                }
            }
            return kinds;
        }

        /** CPU time the server's JVM has used so far, all its threads (Linux /proc, in clock ticks of 10 ms). */
        long cpuMicros() throws java.io.IOException {
            String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // Fields 14 and 15 of proc(5), utime and stime; fields[0] here is field 3.
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10_000L;
        }

        void stop() throws Exception {
            process.destroy();
            process.waitFor();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
