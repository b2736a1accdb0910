package org.mailsec.app;

import com.google.inject.Module;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.apache.james.FakeSearchMailboxModule;
import org.apache.james.GuiceJamesServer;
import org.apache.james.MemoryJamesConfiguration;
import org.apache.james.MemoryJamesServerMain;
import org.apache.james.data.UsersRepositoryModuleChooser;
import org.apache.james.modules.protocols.ImapGuiceProbe;
import org.apache.james.modules.protocols.SmtpGuiceProbe;
import org.apache.james.server.core.configuration.Configuration.ConfigurationPath;
import org.apache.james.utils.WebAdminGuiceProbe;

/**
 * A real in-memory James 3.8.1 with mailsec, configured from a {@code conf/} directory (mailsec's sample by
 * default). {@code ./mailsec-server [conf-dir] [working-dir]} runs it until Ctrl-C.
 */
public final class MailsecServer implements AutoCloseable {

    private final GuiceJamesServer server;

    private MailsecServer(GuiceJamesServer server) {
        this.server = server;
    }

    /**
     * Boots James with the configuration files of {@code confDir} (copied into {@code workingDir/conf}) and
     * the given overrides (tests replace James's DNS service, for instance).
     */
    public static MailsecServer start(Path confDir, Path workingDir, Module... overrides) throws Exception {
        Path conf = workingDir.resolve("conf");
        Files.createDirectories(conf);
        try (Stream<Path> files = Files.list(confDir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, conf.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        MemoryJamesConfiguration configuration = MemoryJamesConfiguration.builder()
            .workingDirectory(workingDir.toFile())
            .configurationPath(new ConfigurationPath("file://" + conf.toAbsolutePath() + "/"))
            .usersRepository(UsersRepositoryModuleChooser.Implementation.DEFAULT)
            .build();
        GuiceJamesServer server = MemoryJamesServerMain.createServer(configuration)
            .combineWith(new FakeSearchMailboxModule())
            .overrideWith(overrides);
        server.start();
        return new MailsecServer(server);
    }

    public int smtpPort() {
        return server.getProbe(SmtpGuiceProbe.class).getSmtpPort().getValue();
    }

    public int imapPort() {
        return server.getProbe(ImapGuiceProbe.class).getImapPort();
    }

    public int webAdminPort() {
        return server.getProbe(WebAdminGuiceProbe.class).getWebAdminPort().getValue();
    }

    public GuiceJamesServer james() {
        return server;
    }

    @Override
    public void close() {
        server.stop();
    }

    public static void main(String[] args) throws Exception {
        Path confDir = Path.of(args.length > 0 ? args[0] : "conf");
        Path workingDir = Path.of(args.length > 1 ? args[1] : "var/james");
        if (!Files.isDirectory(confDir)) {
            System.err.println("mailsec-server: no configuration directory " + confDir.toAbsolutePath());
            System.exit(2);
        }
        MailsecServer server = start(confDir, workingDir);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("mailsec-server: stopping");
            server.close();
            stopped.countDown();
        }, "mailsec-shutdown"));
        for (String line : List.of(
                "mailsec-server: James 3.8.1 with mailsec is up (working directory " + workingDir.toAbsolutePath() + ")",
                "  SMTP      127.0.0.1:" + server.smtpPort(),
                "  IMAP      127.0.0.1:" + server.imapPort(),
                "  webadmin  http://127.0.0.1:" + server.webAdminPort() + "/mailsec/tls-results",
                "Ctrl-C stops it.")) {
            System.out.println(line);
        }
        stopped.await();
    }

}
