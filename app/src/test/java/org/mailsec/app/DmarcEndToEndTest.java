package org.mailsec.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.mail.smtp.SMTPSendFailedException;
import com.sun.mail.smtp.SMTPTransport;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import javax.mail.Address;
import javax.mail.Session;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.jdkim.DKIMSigner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.mailsec.testing.DkimKeys;
import org.mailsec.testing.LoopbackDnsServer;

/**
 * DMARC of received mail on a real James with the sample conf/: mail sent over SMTP from a loopback client, signed
 * with DKIM keys published in the loopback DNS server next to SPF and DMARC records, is rejected at DATA, put in the
 * Spam folder or delivered as its sender's policy says, each with an Authentication-Results field the recipient reads
 * over IMAP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DmarcEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String BOB = "bob@localhost";
    private static final String AUTHSERV = "mx.mailsec.test";

    private LoopbackDnsServer dns;
    private KeyPair senderKey;
    private KeyPair espKey;
    private MailsecServer james;
    private static final String FORWARDER = "127.0.0.2";
    private static final String MONITORED_DOMAIN = "monitored.test";
    private static final String CAROL = "carol@" + MONITORED_DOMAIN;

    @BeforeAll
    void boot(@TempDir Path tmp) throws Exception {
        senderKey = DkimKeys.generate();
        espKey = DkimKeys.generate();
        dns = LoopbackDnsServer.start();
        String soa = "@ SOA ns hostmaster 1 3600 600 86400 300\n";
        dns.addSignedZone("aligned.test", soa
            + "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@aligned.test; ri=7200\"\n"
            + "@ TXT \"v=spf1 -all\"\n"
            + "s1._domainkey TXT " + DkimKeys.zoneRecord(senderKey) + "\n");
        dns.addSignedZone("spfonly.test", soa
            + "_dmarc TXT \"v=DMARC1; p=reject\"\n"
            + "@ TXT \"v=spf1 ip4:127.0.0.0/8 -all\"\n");
        dns.addSignedZone("rejecting.test", soa
            + "_dmarc TXT \"v=DMARC1; p=reject; np=reject; rua=mailto:dmarc@rejecting.test\"\n"
            + "@ TXT \"v=spf1 -all\"\n"
            + "real A 192.0.2.1\n");
        dns.addSignedZone("quarantining.test", soa
            + "_dmarc TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc@quarantining.test\"\n"
            + "@ TXT \"v=spf1 -all\"\n");
        dns.addSignedZone("monitoring.test", soa
            + "_dmarc TXT \"v=DMARC1; p=none\"\n"
            + "@ TXT \"v=spf1 -all\"\n");
        dns.addSignedZone("sampled.test", soa
            + "_dmarc TXT \"v=DMARC1; p=reject; pct=0; rua=mailto:dmarc@sampled.test\"\n"
            + "@ TXT \"v=spf1 -all\"\n");
        dns.addSignedZone("testing.test", soa
            + "_dmarc TXT \"v=DMARC1; p=reject; t=y\"\n"
            + "@ TXT \"v=spf1 -all\"\n");
        dns.addSignedZone("flaky.test", soa
            + "_dmarc TXT \"v=DMARC1; p=reject\"\n"
            + "@ TXT \"v=spf1 -all\"\n");
        dns.addSignedZone("listed.test", soa
            + "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@listed.test\"\n"
            + "@ TXT \"v=spf1 -all\"\n");
        dns.addSignedZone("watched.test", soa
            + "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@watched.test\"\n"
            + "@ TXT \"v=spf1 -all\"\n");
        dns.addSignedZone("forwarded.test", soa
            + "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@forwarded.test\"\n"
            + "@ TXT \"v=spf1 -all\"\n");
        dns.addSignedZone("allowed.test", soa
            + "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@allowed.test\"\n"
            + "@ TXT \"v=spf1 -all\"\n");
        dns.addSignedZone("mailsec.test", soa
            + "client A 127.0.0.1\n"
            + "client TXT \"v=spf1 a -all\"\n"
            + "_dmarc TXT \"v=DMARC1; p=reject\"\n");
        dns.addSignedZone("esp.test", soa
            + "e1._domainkey TXT " + DkimKeys.zoneRecord(espKey) + "\n"
            + "@ TXT \"v=spf1 ip4:127.0.0.0/8 -all\"\n");
        Path anchors = Files.writeString(tmp.resolve("anchors.txt"), dns.trustAnchorText());
        Path conf = E2e.configuration(tmp, E2e.pairs(
            "mailsec.dns.servers", dns.hostPort(),
            "mailsec.dns.trust.anchors", anchors.toString(),
            "mailsec.reports.enabled", "false",
            // The test's client is on loopback, which the sample conf lets relay: evaluate it like any other.
            "mailsec.dmarc.skip.authenticated", "false",
            "mailsec.authserv.id", AUTHSERV,
            "mailsec.dmarc.mailing.lists", "announce.lists.example",
            "mailsec.dmarc.allowed.senders", "allowed.test",
            // A forwarder the operator trusts: the test's client speaks from this loopback address for it.
            "mailsec.dmarc.trusted.forwarders", FORWARDER + "/32",
            // A second James domain that only watches; unset keys follow the server-wide ones.
            "mailsec.dmarc.domain." + MONITORED_DOMAIN + ".mode", "monitor"), Optional.empty());
        var jamesDns = E2e.jamesDns();
        james = MailsecServer.start(conf, tmp.resolve("james"), binder -> binder.bind(DNSService.class).toInstance(jamesDns));
        var created = E2e.put(james.webAdminPort(), "/users/" + BOB, "{\"password\":\"secret\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(204);
        var domain = E2e.put(james.webAdminPort(), "/domains/" + MONITORED_DOMAIN, "");
        assertThat(domain.statusCode()).as(domain.body()).isEqualTo(204);
        var carol = E2e.put(james.webAdminPort(), "/users/" + CAROL, "{\"password\":\"secret\"}");
        assertThat(carol.statusCode()).as(carol.body()).isEqualTo(204);
    }

    @AfterAll
    void stop() {
        if (james != null) {
            james.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    /** What the SMTP server answered at the end of DATA: 250, or the code and text of a refusal. */
    private record Answer(int code, String text) {
    }

    private static String message(String from, String subject, List<String> extraHeaders) {
        StringBuilder m = new StringBuilder();
        extraHeaders.forEach(h -> m.append(h).append("\r\n"));
        return m.append("From: <").append(from).append(">\r\n")
            .append("To: <").append(BOB).append(">\r\n")
            .append("Subject: ").append(subject).append("\r\n")
            .append("Date: Fri, 04 Dec 2026 10:00:00 +0000\r\n")
            .append("Message-ID: <").append(UUID.randomUUID()).append("@mailsec.test>\r\n")
            .append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
            .append("Hello Bob.\r\n").toString();
    }

    private static String sign(String message, String domain, String selector, KeyPair key) throws Exception {
        return sign(message, domain, selector, key, "from:to:subject:date:message-id");
    }

    private static String sign(String message, String domain, String selector, KeyPair key, String headers) throws Exception {
        String template = "v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + domain + "; s=" + selector
            + "; h=" + headers + "; bh=; b=;";
        return new DKIMSigner(template, key.getPrivate())
            .sign(new ByteArrayInputStream(message.getBytes(StandardCharsets.US_ASCII))) + "\r\n" + message;
    }

    private Answer send(String mailFrom, String raw) throws Exception {
        return send(mailFrom, raw, "127.0.0.1");
    }

    private Answer send(String mailFrom, String raw, String localAddress) throws Exception {
        return send(mailFrom, raw, localAddress, List.of(BOB));
    }

    /** Sends from {@code localAddress}: Linux answers every address of 127.0.0.0/8 on loopback. */
    private Answer send(String mailFrom, String raw, String localAddress, List<String> recipients) throws Exception {
        Properties props = E2e.smtpClient(james.smtpPort());
        props.put("mail.smtp.localaddress", localAddress);
        props.put("mail.smtp.from", mailFrom);
        props.put("mail.smtp.localhost", "client.mailsec.test");
        Session session = Session.getInstance(props);
        MimeMessage message = new MimeMessage(session, new ByteArrayInputStream(raw.getBytes(StandardCharsets.US_ASCII)));
        try (SMTPTransport transport = (SMTPTransport) session.getTransport("smtp")) {
            transport.connect();
            Address[] to = new Address[recipients.size()];
            for (int i = 0; i < to.length; i++) {
                to[i] = new InternetAddress(recipients.get(i));
            }
            transport.sendMessage(message, to);
            return new Answer(transport.getLastReturnCode(), transport.getLastServerResponse());
        } catch (SMTPSendFailedException e) {
            return new Answer(e.getReturnCode(), e.getMessage());
        }
    }

    /** MAIL FROM:<> (JavaMail cannot send it), spoken over a plain socket; the reply to the end of DATA. */
    private String sendWithNullReversePath(String raw) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", james.smtpPort())) {
            socket.setSoTimeout(30_000);
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            var out = socket.getOutputStream();
            reply(in);
            for (String command : List.of("EHLO client.mailsec.test", "MAIL FROM:<>", "RCPT TO:<" + BOB + ">", "DATA")) {
                out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
                reply(in);
            }
            out.write((raw + ".\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = reply(in);
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            return answer;
        }
    }

    /** The last line of an SMTP reply (continuation lines have a '-' after the code). */
    private static String reply(java.io.BufferedReader in) throws Exception {
        String line;
        do {
            line = in.readLine();
        } while (line != null && line.length() > 3 && line.charAt(3) == '-');
        return String.valueOf(line);
    }

    /** The Authentication-Results fields of the message with {@code subject} in {@code folder}, once it is there. */
    private List<String> delivered(String folder, String subject) throws Exception {
        return delivered(BOB, folder, subject);
    }

    private List<String> delivered(String user, String folder, String subject) throws Exception {
        List<String> found = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            found.clear();
            found.addAll(Inbox.read(james.imapPort(), user, "secret", folder, box -> {
                List<String> fields = new ArrayList<>();
                for (javax.mail.Message m : box.getMessages()) {
                    if (subject.equals(m.getSubject())) {
                        String[] ar = m.getHeader("Authentication-Results");
                        fields.add(ar == null ? "" : String.join("\n--\n", ar));
                    }
                }
                return fields;
            }));
            return !found.isEmpty();
        });
        return found;
    }

    private static String ours(List<String> fields) {
        String all = fields.get(0);
        return java.util.Arrays.stream(all.split("\n--\n")).filter(f -> f.trim().startsWith(AUTHSERV)).findFirst()
            .orElseThrow(() -> new AssertionError("no Authentication-Results of " + AUTHSERV + " in " + all))
            .replaceAll("\\s+", " ");
    }

    @Test
    void anAlignedDkimSignaturePassesWhereSpfFails() throws Exception {
        String subject = "aligned-" + UUID.randomUUID();
        Answer answer = send("bounce@aligned.test", sign(message("alice@aligned.test", subject, List.of()), "aligned.test",
            "s1", senderKey));
        assertThat(answer.code()).as(answer.text()).isEqualTo(250);
        String ar = ours(delivered("INBOX", subject));
        assertThat(ar).contains("dmarc=pass").contains("header.from=aligned.test").contains("policy.dmarc=reject")
            .contains("spf=fail").contains("smtp.mailfrom=aligned.test")
            .contains("dkim=pass").contains("header.d=aligned.test").contains("header.s=s1")
            .doesNotContain("smtp.helo");
        JsonNode evaluation = evaluations("aligned.test").get(0);
        assertThat(evaluation.path("disposition").asText()).isEqualTo("pass");
        assertThat(evaluation.path("alignedDkimPass").asBoolean()).isTrue();
        assertThat(evaluation.path("alignedSpfPass").asBoolean()).isFalse();
        assertThat(evaluation.path("optional").asBoolean()).isFalse();
        assertThat(evaluation.path("intervalHours").asInt()).as("ri=7200").isEqualTo(2);
        assertThat(evaluation.path("sourceIp").asText()).isEqualTo("127.0.0.1");
        assertThat(evaluation.path("envelopeTo").asText()).isEqualTo("localhost");
        assertThat(evaluation.path("envelopeFrom").asText()).isEqualTo("aligned.test");
        assertThat(evaluation.path("headerFrom").asText()).isEqualTo("aligned.test");
        assertThat(evaluation.path("addresses").get(0).asText()).isEqualTo("mailto:dmarc@aligned.test");
        assertThat(evaluation.path("policyPublished").path("p").asText()).isEqualTo("reject");
        assertThat(evaluation.path("dkim").get(0).path("domain").asText()).isEqualTo("aligned.test");
        assertThat(evaluation.path("dkim").get(0).path("selector").asText()).isEqualTo("s1");
        assertThat(evaluation.path("dkim").get(0).path("result").asText()).isEqualTo("pass");
        assertThat(evaluation.path("spf").get(0).path("scope").asText()).isEqualTo("mfrom");
        assertThat(evaluation.path("spf").get(0).path("result").asText()).isEqualTo("fail");
        JsonNode summary = summary("aligned.test");
        assertThat(summary.path("reportWillBeSent").asBoolean()).isTrue();
        assertThat(summary.path("dispositions").path("pass").asLong()).isPositive();
    }

    private List<JsonNode> evaluations(String domain) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            found.clear();
            E2e.get(james.webAdminPort(), "/mailsec/dmarc-evaluations/" + domain).forEach(found::add);
            return !found.isEmpty();
        });
        return found;
    }

    private JsonNode summary(String domain) throws Exception {
        for (JsonNode s : E2e.get(james.webAdminPort(), "/mailsec/dmarc-evaluations")) {
            if (s.path("policyDomain").asText().equals(domain)) {
                return s;
            }
        }
        throw new AssertionError("no summary for " + domain);
    }

    @Test
    void spfAloneAlignedPasses() throws Exception {
        String subject = "spfonly-" + UUID.randomUUID();
        assertThat(send("bounce@spfonly.test", message("alice@spfonly.test", subject, List.of())).code()).isEqualTo(250);
        assertThat(ours(delivered("INBOX", subject))).contains("dmarc=pass").contains("spf=pass").contains("dkim=none");
    }

    @Test
    void aBounceIsCheckedByItsHeloName() throws Exception {
        String subject = "bounce-" + UUID.randomUUID();
        assertThat(sendWithNullReversePath(message("mailer-daemon@client.mailsec.test", subject, List.of()))).startsWith("250");
        assertThat(ours(delivered("INBOX", subject))).contains("spf=pass smtp.mailfrom=client.mailsec.test")
            .contains("spf=pass smtp.helo=client.mailsec.test").contains("dmarc=pass");
    }

    @Test
    void aRejectPolicyFailIsRefusedAtDataAndNothingIsDelivered() throws Exception {
        String subject = "rejected-" + UUID.randomUUID();
        // Signed by the ESP's domain, not the From domain: DKIM passes but is not aligned.
        Answer answer = send("bounce@esp.test", sign(message("alice@rejecting.test", subject, List.of()), "esp.test", "e1",
            espKey));
        assertThat(answer.code()).isEqualTo(550);
        assertThat(answer.text()).contains("5.7.1").contains("DMARC policy of rejecting.test");
        // (Other tests' rejects are this policy domain's too; this one's is the one with a DKIM signature.)
        JsonNode evaluation = evaluations("rejecting.test").stream()
            .filter(e -> e.path("headerFrom").asText().equals("rejecting.test") && !e.path("dkim").isEmpty())
            .findFirst().orElseThrow();
        assertThat(evaluation.path("disposition").asText()).isEqualTo("reject");
        assertThat(evaluation.path("optional").asBoolean()).as("a reject of a domain we never accepted mail from").isTrue();
        assertThat(evaluation.path("dkim").get(0).path("domain").asText()).isEqualTo("esp.test");
        assertThat(summary("rejecting.test").path("reportWillBeSent").asBoolean()).isFalse();
    }

    @Test
    void aNonExistentSubdomainGetsTheNpPolicy() throws Exception {
        Answer answer = send("bounce@esp.test", message("alice@ghost.rejecting.test", "np-" + UUID.randomUUID(), List.of()));
        assertThat(answer.code()).isEqualTo(550);
        assertThat(answer.text()).contains("ghost.rejecting.test");
    }

    @Test
    void aQuarantinePolicyFailGoesToTheSpamFolder() throws Exception {
        String subject = "quarantined-" + UUID.randomUUID();
        assertThat(send("bounce@quarantining.test", message("alice@quarantining.test", subject, List.of())).code())
            .isEqualTo(250);
        assertThat(ours(delivered("Spam", subject))).contains("dmarc=fail").contains("dis=quarantine");
        assertThat(evaluations("quarantining.test").get(0).path("disposition").asText()).isEqualTo("quarantine");
    }

    @Test
    void aNonePolicyFailIsDeliveredToTheInbox() throws Exception {
        String subject = "monitored-" + UUID.randomUUID();
        assertThat(send("bounce@monitoring.test", message("alice@monitoring.test", subject, List.of())).code()).isEqualTo(250);
        assertThat(ours(delivered("INBOX", subject))).contains("dmarc=fail").contains("policy.dmarc=none");
    }

    @Test
    void sampledOutAndTestingPoliciesAreDeliveredAndSaySo() throws Exception {
        String sampled = "sampled-" + UUID.randomUUID();
        assertThat(send("bounce@sampled.test", message("alice@sampled.test", sampled, List.of())).code()).isEqualTo(250);
        assertThat(ours(delivered("Spam", sampled))).as("pct=0: reject becomes quarantine (RFC 7489 §6.6.4)")
            .contains("dmarc=fail").contains("sampled_out");
        JsonNode evaluation = evaluations("sampled.test").get(0);
        assertThat(evaluation.path("disposition").asText()).isEqualTo("quarantine");
        assertThat(evaluation.path("overrideReasons").get(0).path("type").asText()).isEqualTo("sampled_out");
        String testing = "testing-" + UUID.randomUUID();
        assertThat(send("bounce@testing.test", message("alice@testing.test", testing, List.of())).code()).isEqualTo(250);
        assertThat(ours(delivered("Spam", testing))).contains("dmarc=fail").contains("sampled_out");
    }

    @Test
    void aDnsFailureIsATemperrorThatDoesNotReject() throws Exception {
        dns.servfail("_dmarc.flaky.test");
        try {
            String subject = "flaky-" + UUID.randomUUID();
            assertThat(send("bounce@flaky.test", message("alice@flaky.test", subject, List.of())).code()).isEqualTo(250);
            assertThat(ours(delivered("INBOX", subject))).contains("dmarc=temperror");
        } finally {
            dns.heal();
        }
    }

    @Test
    void aForgedAuthenticationResultsWithOurAuthservIdIsRemovedAndOthersKept() throws Exception {
        String subject = "forged-" + UUID.randomUUID();
        List<String> forged = List.of("Authentication-Results: " + AUTHSERV + "; dmarc=pass header.from=rejecting.test",
            "Authentication-Results: other.example; spf=pass smtp.mailfrom=whatever.example");
        assertThat(send("bounce@monitoring.test", message("alice@monitoring.test", subject, forged)).code()).isEqualTo(250);
        String all = delivered("INBOX", subject).get(0);
        assertThat(all.split("\n--\n")).hasSize(2);
        assertThat(all).doesNotContain("header.from=rejecting.test").contains("other.example; spf=pass");
    }

    @Test
    void aListedMailingListAndAnAllowedSenderAreDeliveredWithTheOverrideRecorded() throws Exception {
        String listed = "listed-" + UUID.randomUUID();
        // A list that rewrites nothing breaks the author's DMARC; the operator trusts this one by its List-Id.
        assertThat(send("bounce@lists.example", message("alice@listed.test", listed,
            List.of("List-Id: Announcements <announce.lists.example>"))).code()).isEqualTo(250);
        assertThat(ours(delivered("INBOX", listed))).contains("dmarc=fail").contains("override=mailing_list");
        assertThat(evaluations("listed.test").get(0).path("overrideReasons").get(0).path("type").asText())
            .isEqualTo("mailing_list");
        assertThat(evaluations("listed.test").get(0).path("disposition").asText()).isEqualTo("none");

        String allowed = "allowed-" + UUID.randomUUID();
        assertThat(send("bounce@allowed.test", message("alice@allowed.test", allowed, List.of())).code()).isEqualTo(250);
        assertThat(ours(delivered("INBOX", allowed))).contains("override=local_policy");
        assertThat(evaluations("allowed.test").get(0).path("overrideReasons").get(0).path("type").asText())
            .isEqualTo("local_policy");

        String unlisted = "unlisted-" + UUID.randomUUID();
        assertThat(send("bounce@lists.example", message("alice@listed.test", unlisted,
            List.of("List-Id: <other.lists.example>"))).code()).as("another list is not trusted").isEqualTo(550);
    }

    @Test
    void aTrustedForwarderIsDeliveredWithTheOverrideRecordedAndOthersAreNot() throws Exception {
        // A forwarder keeps the author's From and breaks SPF; the operator trusts it by its address.
        String forwarded = "forwarded-" + UUID.randomUUID();
        assertThat(send("bounce@forwarder.example", message("alice@forwarded.test", forwarded, List.of()), FORWARDER).code())
            .isEqualTo(250);
        assertThat(ours(delivered("INBOX", forwarded))).contains("dmarc=fail").contains("override=trusted_forwarder");
        assertThat(evaluations("forwarded.test")).anySatisfy(e -> {
            assertThat(e.path("sourceIp").asText()).isEqualTo(FORWARDER);
            assertThat(e.path("overrideReasons").get(0).path("type").asText()).isEqualTo("trusted_forwarder");
            assertThat(e.path("disposition").asText()).isEqualTo("none");
        });

        String direct = "not-forwarded-" + UUID.randomUUID();
        assertThat(send("bounce@forwarder.example", message("alice@forwarded.test", direct, List.of()), "127.0.0.3").code())
            .as("the address next to the forwarder's is not trusted").isEqualTo(550);
    }

    @Test
    void aJamesDomainInMonitorModeGetsFailingMailMarkedAndAMailToItAndAnEnforcingDomainIsNotRefused() throws Exception {
        String watched = "watched-" + UUID.randomUUID();
        assertThat(send("bounce@watched.test", message("alice@watched.test", watched, List.of()), "127.0.0.1",
            List.of(CAROL)).code()).isEqualTo(250);
        assertThat(ours(delivered(CAROL, "INBOX", watched))).contains("dmarc=fail").contains("policy.dmarc=reject");

        String both = "both-" + UUID.randomUUID();
        assertThat(send("bounce@watched.test", message("alice@watched.test", both, List.of()), "127.0.0.1",
            List.of(BOB, CAROL)).code()).as("one reply for both: the monitoring domain's mail is not refused").isEqualTo(250);
        assertThat(ours(delivered(BOB, "INBOX", both))).contains("dmarc=fail");

        assertThat(send("bounce@watched.test", message("alice@watched.test", "bob-alone-" + UUID.randomUUID(),
            List.of())).code()).as("the enforcing domain alone still refuses").isEqualTo(550);
    }

    @Test
    void aSecondFromFieldDoesNotLeadAMessageAroundTheFirstOnesPolicy() throws Exception {
        String raw = message("alice@rejecting.test", "two-from-" + UUID.randomUUID(), List.of("From: <me@spfonly.test>"));
        Answer answer = send("bounce@spfonly.test", raw);
        assertThat(answer.code()).as("the strictest From domain's policy applies (RFC 7489 §6.6.1)").isEqualTo(550);
        assertThat(answer.text()).contains("rejecting.test");
    }

    @Test
    void aContentTypeJamesCannotParseStillGetsItsPolicy() throws Exception {
        String raw = message("alice@rejecting.test", "bad-type-" + UUID.randomUUID(), List.of())
            .replace("Content-Type: text/plain; charset=us-ascii", "Content-Type: multipart/mixed");
        assertThat(send("bounce@esp.test", raw).code()).isEqualTo(550);
    }

    @Test
    void theDeliveredMessageStillVerifiesForTheNextVerifier() throws Exception {
        String subject = "resign-" + UUID.randomUUID();
        String message = message("alice@aligned.test", subject, List.of())
            .replace("MIME-Version: 1.0", "MIME-Version: 1.0 (Mac OS X Mail 16.0 \\(3731.500.231\\))");
        String signed = sign(message, "aligned.test", "s1", senderKey, "from:to:subject:date:message-id:mime-version");
        assertThat(send("bounce@aligned.test", signed).code()).isEqualTo(250);
        delivered("INBOX", subject);
        byte[] stored = Inbox.read(james.imapPort(), BOB, "secret", "INBOX", box -> {
            for (javax.mail.Message m : box.getMessages()) {
                if (subject.equals(m.getSubject())) {
                    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                    m.writeTo(out);
                    return out.toByteArray();
                }
            }
            throw new AssertionError("not delivered");
        });
        assertThat(new org.mailsec.authentication.DkimVerification(dns.resolver()).verify(stored))
            .as(new String(stored, StandardCharsets.US_ASCII))
            .extracting(org.mailsec.authentication.DkimVerification.Signature::result)
            .containsExactly(org.mailsec.authentication.DkimVerification.Result.PASS);
    }

    @Test
    void anEd25519SignatureIsNeutralNextToAnRsaPass() throws Exception {
        String subject = "ed25519-" + UUID.randomUUID();
        String rsa = sign(message("alice@aligned.test", subject, List.of()), "aligned.test", "s1", senderKey);
        String both = "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=aligned.test; s=ed;\r\n"
            + " h=from:to:subject; bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
            + " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n" + rsa;
        assertThat(send("bounce@aligned.test", both).code()).isEqualTo(250);
        assertThat(ours(delivered("INBOX", subject))).contains("dkim=neutral (unsupported algorithm ed25519-sha256)")
            .contains("dkim=pass").contains("dmarc=pass");
    }
}
