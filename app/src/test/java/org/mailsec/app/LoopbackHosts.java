package org.mailsec.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The JVM's hosts file for these tests ({@code -Djdk.net.hosts.file}, set by surefire). The JDK HttpClient
 * resolves MTA-STS policy hosts through the JVM, and James resolves this machine's name at boot, so the
 * file maps both to loopback. It is written before the first lookup; the JDK reads it on each lookup.
 */
final class LoopbackHosts {

    private LoopbackHosts() {
    }

    static synchronized void write(List<String> names) throws IOException {
        String file = System.getProperty("jdk.net.hosts.file");
        if (file == null) {
            throw new IllegalStateException("run with -Djdk.net.hosts.file (see app/pom.xml)");
        }
        StringBuilder text = new StringBuilder("127.0.0.1 localhost ").append(machineName()).append('\n');
        for (String name : names) {
            text.append("127.0.0.1 ").append(name).append('\n');
        }
        Path path = Path.of(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, text.toString(), StandardCharsets.US_ASCII);
    }

    /** gethostname(2), as InetAddress.getLocalHost() asks it, without resolving anything. */
    private static String machineName() throws IOException {
        Process p = new ProcessBuilder("hostname").redirectErrorStream(true).start();
        String name = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        return name.isEmpty() ? "localhost" : name;
    }
}
