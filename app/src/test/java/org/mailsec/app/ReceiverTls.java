package org.mailsec.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The HTTPS report receiver as an operator sets it up: a PKCS#12 key made with the JDK's keytool for
 * 127.0.0.1, a free port, and a client that trusts that key and nothing else.
 */
record ReceiverTls(Path keystore, int port, HttpClient client) {

    static ReceiverTls create(Path dir) throws Exception {
        Path keystore = dir.resolve("receiver.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", "receiver", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
            "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore",
            keystore.toString(), "-storepass", "secret", "-keypass", "secret").redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor()).as(out).isZero();
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            trusted.load(in, "secret".toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        return new ReceiverTls(keystore, port, HttpClient.newBuilder().sslContext(tls).build());
    }

    /** The mailsec.properties settings that enable the receiver on this key and port. */
    Map<String, String> settings() {
        return E2e.pairs(
            "mailsec.reports.receiver.enabled", "true",
            "mailsec.reports.receiver.bind", "127.0.0.1",
            "mailsec.reports.receiver.port", String.valueOf(port),
            "mailsec.reports.receiver.keystore", keystore.toString(),
            "mailsec.reports.receiver.keystore.password", "secret");
    }

    java.net.URI endpoint() {
        return java.net.URI.create("https://127.0.0.1:" + port + "/tlsrpt");
    }
}
