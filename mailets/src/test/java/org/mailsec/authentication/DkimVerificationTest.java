package org.mailsec.authentication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;
import org.apache.james.jdkim.DKIMSigner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailsec.authentication.DkimVerification.Result;
import org.mailsec.authentication.DkimVerification.Signature;
import org.mailsec.testing.DkimKeys;
import org.mailsec.testing.LoopbackDnsServer;

/** Each DKIM signature of a message gets its own result, with keys from the loopback DNS server. */
class DkimVerificationTest {

    private static final String MESSAGE = "From: Alice <alice@sender.test>\r\n"
        + "To: bob@example.com\r\n"
        + "Subject: quarterly numbers\r\n"
        + "Date: Fri, 04 Dec 2026 10:00:00 +0000\r\n"
        + "Message-ID: <q4@sender.test>\r\n"
        + "\r\n"
        + "The numbers are in.\r\n";

    private static KeyPair senderKey;
    private static KeyPair otherKey;
    private static LoopbackDnsServer dns;

    @BeforeAll
    static void publishKeys() throws Exception {
        senderKey = DkimKeys.generate();
        otherKey = DkimKeys.generate();
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("sender.test", "@ SOA ns hostmaster 1 3600 600 86400 300\n"
            + "s1._domainkey TXT " + DkimKeys.zoneRecord(senderKey) + "\n"
            + "revoked._domainkey TXT \"v=DKIM1; k=rsa; p=\"\n");
        dns.addSignedZone("esp.test", "@ SOA ns hostmaster 1 3600 600 86400 300\n"
            + "e1._domainkey TXT " + DkimKeys.zoneRecord(otherKey) + "\n");
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    @BeforeEach
    void heal() {
        dns.heal();
    }

    private static String sign(String message, String domain, String selector, KeyPair key, String headers) throws Exception {
        String template = "v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + domain + "; s=" + selector + "; h=" + headers
            + "; bh=; b=;";
        String field = new DKIMSigner(template, key.getPrivate())
            .sign(new ByteArrayInputStream(message.getBytes(StandardCharsets.US_ASCII)));
        return field + "\r\n" + message;
    }

    private static List<Signature> verify(String message) {
        return new DkimVerification(dns.resolver()).verify(message.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aGoodSignatureAndATamperedCopyOfTheMessage() throws Exception {
        String signed = sign(MESSAGE, "sender.test", "s1", senderKey, "from:to:subject:date:message-id");
        assertThat(verify(signed)).singleElement().satisfies(s -> {
            assertThat(s.result()).isEqualTo(Result.PASS);
            assertThat(s.domain()).isEqualTo("sender.test");
            assertThat(s.selector()).isEqualTo("s1");
            assertThat(s.algorithm()).isEqualTo("rsa-sha256");
            assertThat(s.signature()).hasSize(12);
        });
        assertThat(verify(signed.replace("are in.", "are out."))).singleElement()
            .satisfies(s -> assertThat(s.result()).isEqualTo(Result.FAIL));
        assertThat(verify(signed.replace("quarterly", "yearly"))).singleElement()
            .satisfies(s -> assertThat(s.result()).isEqualTo(Result.FAIL));
    }

    @Test
    void eachSignatureHasItsOwnResult() throws Exception {
        String once = sign(MESSAGE, "esp.test", "e1", otherKey, "from:to:subject");
        String twice = sign(once, "sender.test", "missing", senderKey, "from:to:subject");
        String thrice = sign(twice, "sender.test", "s1", senderKey, "from:to:subject");
        assertThat(verify(thrice)).extracting(Signature::domain, Signature::selector, Signature::result).containsExactly(
            org.assertj.core.groups.Tuple.tuple("sender.test", "s1", Result.PASS),
            org.assertj.core.groups.Tuple.tuple("sender.test", "missing", Result.PERMERROR),
            org.assertj.core.groups.Tuple.tuple("esp.test", "e1", Result.PASS));
    }

    @Test
    void aSignatureOverAnEarlierSignatureStillVerifies() throws Exception {
        String first = sign(MESSAGE, "esp.test", "e1", otherKey, "from:to:subject");
        String second = sign(first, "sender.test", "s1", senderKey, "from:to:subject:dkim-signature");
        assertThat(verify(second)).extracting(Signature::result).containsExactly(Result.PASS, Result.PASS);
    }

    @Test
    void anEd25519SignatureIsNeutralNextToAnRsaOneThatPasses() throws Exception {
        String rsa = sign(MESSAGE, "sender.test", "s1", senderKey, "from:to:subject");
        String both = "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=sender.test; s=ed;\r\n"
            + " h=from:to:subject; bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
            + " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n" + rsa;
        assertThat(verify(both)).extracting(Signature::algorithm, Signature::result, Signature::reason).containsExactly(
            org.assertj.core.groups.Tuple.tuple("ed25519-sha256", Result.NEUTRAL, "unsupported algorithm ed25519-sha256"),
            org.assertj.core.groups.Tuple.tuple("rsa-sha256", Result.PASS, ""));
    }

    @Test
    void aKeyLookupThatFailsIsATemporaryErrorAndARevokedKeyIsPermanent() throws Exception {
        String signed = sign(MESSAGE, "sender.test", "s1", senderKey, "from:to:subject");
        dns.servfail("s1._domainkey.sender.test");
        assertThat(verify(signed)).singleElement().satisfies(s -> assertThat(s.result()).isEqualTo(Result.TEMPERROR));
        dns.heal();
        String revoked = sign(MESSAGE, "sender.test", "revoked", senderKey, "from:to:subject");
        assertThat(verify(revoked)).singleElement().satisfies(s -> assertThat(s.result()).isEqualTo(Result.PERMERROR));
    }

    @Test
    void tagNamesAreCaseSensitiveAndARepeatedTagIsAPermerror() throws Exception {
        // Signed by esp.test's key; an upper-case "D=" must not make it a signature of sender.test.
        String signed = sign(MESSAGE, "esp.test", "e1", otherKey, "from:to:subject");
        String forged = signed.replaceFirst("d=esp.test;", "D=sender.test; d=esp.test;");
        assertThat(verify(forged)).singleElement().satisfies(s -> assertThat(s.domain()).isEqualTo("esp.test"));
        String twice = signed.replaceFirst("d=esp.test;", "d=sender.test; d=esp.test;");
        assertThat(verify(twice)).singleElement().satisfies(s -> {
            assertThat(s.result()).isEqualTo(Result.PERMERROR);
            assertThat(s.reason()).contains("d= appears twice");
        });
    }

    @Test
    void aSignatureOverPartOfTheBodyProvesNothingAboutWhatFollows() throws Exception {
        String template = "v=1; a=rsa-sha256; c=relaxed/relaxed; d=sender.test; s=s1; h=from:to:subject; l=21; bh=; b=;";
        String field = new DKIMSigner(template, senderKey.getPrivate())
            .sign(new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.US_ASCII)));
        assertThat(verify(field + "\r\n" + MESSAGE)).singleElement()
            .satisfies(s -> assertThat(s.result()).isEqualTo(Result.PASS));
        assertThat(verify(field + "\r\n" + MESSAGE + "Click here to claim your prize.\r\n")).singleElement().satisfies(s -> {
            assertThat(s.result()).isEqualTo(Result.POLICY);
            assertThat(s.reason()).contains("l=");
        });
    }

    @Test
    void manySignaturesAreBoundedAndGarbageIsAPermerror() throws Exception {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            many.append("DKIM-Signature: v=1; a=rsa-sha256; d=sender.test; s=s").append(i)
                .append("; h=from; bh=AAAA; b=AAAA\r\n");
        }
        List<Signature> results = verify(many + MESSAGE);
        assertThat(results).hasSize(200);
        assertThat(results.subList(0, DkimVerification.MAX_SIGNATURES)).allSatisfy(s ->
            assertThat(s.result()).isIn(Result.PERMERROR, Result.FAIL));
        assertThat(results.subList(DkimVerification.MAX_SIGNATURES, 200)).allSatisfy(s ->
            assertThat(s.result()).isEqualTo(Result.POLICY));
        assertThat(verify("DKIM-Signature: ;;;===;\r\n" + MESSAGE)).singleElement()
            .satisfies(s -> assertThat(s.result()).isEqualTo(Result.NEUTRAL));
        assertThat(verify(MESSAGE)).isEmpty();
    }
}
