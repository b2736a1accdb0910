package org.mailsec.testing;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;

/** DKIM keys for tests and benchmarks: RSA-2048 pairs and their key records for a loopback DNS zone. */
public final class DkimKeys {

    private DkimKeys() {
    }

    public static KeyPair generate() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    /** The private key as PKCS#8 PEM, as an operator gives it in {@code mailsec.reports.dkim.key}. */
    public static String privateKeyPem(KeyPair key) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
    }

    /**
     * The key record "v=DKIM1; k=rsa; p=…" as the data of a zone-file TXT line: quoted character-strings of
     * at most 200 bytes, since one may not exceed 255.
     */
    public static String zoneRecord(KeyPair key) {
        String text = "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(key.getPublic().getEncoded());
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i += 200) {
            out.append('"').append(text, i, Math.min(text.length(), i + 200)).append("\" ");
        }
        return out.toString().trim();
    }
}
