package org.mailsec.bench.authentication;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import org.apache.james.jdkim.DKIMSigner;

/** The benchmarks' received mail: distinct messages of about 3 KB from alice@sender.test, DKIM-signed (RSA-2048). */
final class AuthenticationBenchmarkMessages {

    private AuthenticationBenchmarkMessages() {
    }

    static List<byte[]> signed(int count, KeyPair key) throws Exception {
        String body = "Quarterly numbers attached inline.\r\n".repeat(80);
        DKIMSigner signer = new DKIMSigner("v=1; a=rsa-sha256; c=relaxed/relaxed; d=sender.test; s=s1;"
            + " h=from:to:subject:date:message-id:mime-version:content-type; bh=; b=;", key.getPrivate());
        List<byte[]> messages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String message = "From: Alice <alice@sender.test>\r\nTo: bob@localhost\r\nSubject: numbers " + i + "\r\n"
                + "Date: Fri, 04 Dec 2026 10:00:00 +0000\r\nMessage-ID: <" + i + "." + System.nanoTime() + "@sender.test>\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + body;
            String signed = signer.sign(new ByteArrayInputStream(message.getBytes(StandardCharsets.US_ASCII))) + "\r\n" + message;
            messages.add(signed.getBytes(StandardCharsets.US_ASCII));
        }
        return messages;
    }
}
