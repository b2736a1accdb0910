package org.mailsec.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import javax.mail.Message;
import javax.mail.Session;
import javax.mail.Transport;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import org.mailsec.dns.TlsaRecord;

/** What the end-to-end tests share: the sample configuration made test-ready, SMTP submission, webadmin calls. */
final class E2e {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private E2e() {
    }

    /**
     * The project's sample {@code conf/} copied into {@code dir/conf}, listening on free loopback ports, with
     * {@code settings} appended to mailsec.properties and, when given, a keystore for STARTTLS on SMTP.
     */
    static Path configuration(Path dir, Map<String, String> settings, Optional<KeyStore> smtpKeystore) throws Exception {
        return configuration(dir, settings, smtpKeystore, "");
    }

    /** As above, for one of several James servers in this JVM: {@code node} makes their JMX names distinct. */
    static Path configuration(Path dir, Map<String, String> settings, Optional<KeyStore> smtpKeystore, String node)
            throws Exception {
        Path source = Path.of(System.getProperty("mailsec.conf", "../conf"));
        Path conf = Files.createDirectories(dir.resolve("conf"));
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.toList()) {
                String text = Files.readString(file)
                    .replace("127.0.0.1:2525", "127.0.0.1:0")
                    .replace("127.0.0.1:1143", "127.0.0.1:0")
                    .replace("port=8000", "port=0")
                    .replace("</jmxName>", node + "</jmxName>");
                if (smtpKeystore.isPresent()) {
                    text = text.replace("<tls socketTLS=\"false\" startTLS=\"false\"/>\n    <connectiontimeout>",
                        "<tls socketTLS=\"false\" startTLS=\"true\"><keystore>file://conf/keystore.p12</keystore>"
                            + "<keystoreType>PKCS12</keystoreType><secret>changeit</secret></tls>\n    <connectiontimeout>");
                }
                Files.writeString(conf.resolve(file.getFileName()), text);
            }
        }
        if (smtpKeystore.isPresent()) {
            try (var out = Files.newOutputStream(conf.resolve("keystore.p12"))) {
                smtpKeystore.get().store(out, "changeit".toCharArray());
            }
        }
        StringBuilder text = new StringBuilder(Files.readString(conf.resolve("mailsec.properties")));
        settings.forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        Files.writeString(conf.resolve("mailsec.properties"), text.toString());
        return conf;
    }

    /**
     * James's own DNS service in tests (SMTP, authorized networks): it must resolve the literals James reads
     * from its configuration. mailsec's delivery uses its own resolver and the loopback DNS server instead.
     */
    static org.apache.james.dnsservice.api.InMemoryDNSService jamesDns() throws java.net.UnknownHostException {
        return new org.apache.james.dnsservice.api.InMemoryDNSService()
            .registerRecord("127.0.0.0", java.net.InetAddress.getByName("127.0.0.0"), "127.0.0.0")
            .registerRecord("255.0.0.0", java.net.InetAddress.getByName("255.0.0.0"), "255.0.0.0")
            .registerRecord("255.255.255.255", java.net.InetAddress.getByName("255.255.255.255"), "255.255.255.255")
            .registerRecord("localhost", java.net.InetAddress.getByName("127.0.0.1"), "localhost");
    }

    static Map<String, String> pairs(String... keyValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    static Properties smtpClient(int port) {
        Properties props = new Properties();
        props.put("mail.smtp.host", "127.0.0.1");
        props.put("mail.smtp.port", String.valueOf(port));
        return props;
    }

    /** Submits a mail to a fresh address of {@code domain} through James's SMTP server; returns the address. */
    static String submit(int smtpPort, String domain, Map<String, String> headers) throws Exception {
        String rcpt = "user-" + UUID.randomUUID().toString().substring(0, 8) + "@" + domain;
        Transport.send(message(Session.getInstance(smtpClient(smtpPort)), rcpt, headers));
        return rcpt;
    }

    /** Submits a mail with this subject to {@code rcpt} through James's SMTP server. */
    static void submitTo(int smtpPort, String rcpt, String subject) throws Exception {
        MimeMessage message = message(Session.getInstance(smtpClient(smtpPort)), rcpt, Map.of());
        message.setSubject(subject);
        Transport.send(message);
    }

    static MimeMessage message(Session session, String rcpt, Map<String, String> headers) throws Exception {
        String domain = rcpt.substring(rcpt.indexOf('@') + 1);
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("sender@localhost"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(rcpt));
        message.setSubject("mailsec e2e to " + domain);
        message.setText("hello " + domain);
        for (Map.Entry<String, String> h : headers.entrySet()) {
            message.setHeader(h.getKey(), h.getValue());
        }
        return message;
    }

    static JsonNode get(int webadminPort, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri(webadminPort, path)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    static JsonNode post(int webadminPort, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri(webadminPort, path))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** Starts the task sending a day's TLS reports and waits for it; returns the task's final state. */
    static JsonNode runReportTask(int webadminPort, String day) throws Exception {
        return runTask(webadminPort, "/mailsec/tls-reports/send?day=" + day);
    }

    /** POSTs to a route that starts a James task, and waits for the task; returns its final state. */
    static JsonNode runTask(int webadminPort, String path) throws Exception {
        HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(uri(webadminPort, path))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String taskId = JSON.readTree(created.body()).get("taskId").asText();
        return get(webadminPort, "/tasks/" + taskId + "/await?timeout=60s");
    }

    static int delete(int webadminPort, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(webadminPort, path)).DELETE().build(),
            HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    static HttpResponse<String> put(int webadminPort, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(webadminPort, path)).PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /**
     * A signed zone whose MX 10 {@code mx} has a TLSA record of {@code first}'s key and MX 20 {@code mx2} one of
     * {@code second}'s, both at 127.0.0.2, plus {@code extraRecord} (a TLSRPT record, say).
     */
    static void twoDaneHosts(org.mailsec.testing.LoopbackDnsServer dns, String domain, int smtpPort,
                             org.mailsec.testing.TestPki.Identity first, org.mailsec.testing.TestPki.Identity second,
                             String extraRecord) throws java.io.IOException {
        String owner = "_" + smtpPort + "._tcp";
        dns.addSignedZone(domain, """
            @ MX 10 mx
            @ MX 20 mx2
            mx A 127.0.0.2
            mx2 A 127.0.0.2
            %s.mx TLSA 3 1 1 %s
            %s.mx2 TLSA 3 1 1 %s
            %s
            """.formatted(owner, hex(org.mailsec.testing.TestPki.tlsa(3, 1, 1, first.certificate())), owner,
                hex(org.mailsec.testing.TestPki.tlsa(3, 1, 1, second.certificate())), extraRecord));
    }

    static String hex(TlsaRecord r) {
        return HexFormat.of().formatHex(r.data());
    }

    static String pem(X509Certificate certificate) throws Exception {
        return "-----BEGIN CERTIFICATE-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(certificate.getEncoded())
            + "\n-----END CERTIFICATE-----\n";
    }
}
