package org.mailsec.reporting;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;
import org.apache.james.jdkim.DKIMSigner;
import org.apache.james.jdkim.api.BodyHasher;
import org.mailsec.authentication.RawMessage;
import org.apache.james.jdkim.exceptions.FailException;

/**
 * DKIM-signs report mails (RFC 6376, rsa-sha256, relaxed/relaxed) with jDKIM, over the header fields and body as
 * {@link RawMessage} reads them from the mail's bytes. The signature covers the
 * headers a receiver uses to trust a report: From, To, Subject, Date, Message-ID, and RFC 8460's
 * TLS-Report-Domain and TLS-Report-Submitter.
 */
public final class ReportDkimSigner {

    private static final String SIGNED_HEADERS =
        "from:to:subject:date:message-id:tls-report-domain:tls-report-submitter:content-type:mime-version";

    private final DKIMSigner signer;
    private final String template;

    public ReportDkimSigner(ReportSettings.DkimKey key) {
        this.template = "v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + key.domain() + "; s=" + key.selector()
            + "; h=" + SIGNED_HEADERS + "; bh=; b=;";
        this.signer = new DKIMSigner(template, key.key());
    }

    /**
     * Adds the DKIM-Signature header to {@code message}, which must be saved already (saving again would
     * replace its Message-ID after signing).
     */
    public void sign(MimeMessage message) throws MessagingException {
        try {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            message.writeTo(raw);
            // The fields and body straight from the bytes just written: jDKIM's own sign(InputStream) would parse them
            // again with mime4j, which cost more than the RSA signature (DmarcReportRunBenchmark, JFR).
            RawMessage parsed = new RawMessage(raw.toByteArray());
            BodyHasher hasher = signer.newBodyHasher(signer.newSignatureRecordTemplate(template));
            try (InputStream body = parsed.body(); OutputStream out = hasher.getOutputStream()) {
                body.transferTo(out);
            }
            String header = signer.sign(parsed, hasher);
            String value = header.substring(header.indexOf(':') + 1).trim();
            message.addHeader("DKIM-Signature", value);
        } catch (IOException | FailException e) {
            throw new MessagingException("DKIM signing of the report failed: " + e.getMessage(), e);
        }
    }
}
