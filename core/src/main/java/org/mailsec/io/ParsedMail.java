package org.mailsec.io;

import java.util.List;

/**
 * A mail taken apart into its leaf parts, with the top-level headers report handling needs.
 *
 * @param contentTypeHeader the top-level Content-Type as sent (e.g. {@code multipart/report; report-type=tlsrpt; ...})
 * @param subject           decoded Subject, empty when absent
 * @param from              the From header as sent, empty when absent
 * @param messageId         the Message-ID header as sent, empty when absent
 * @param parts             leaf parts in document order, also those inside attached messages
 */
public record ParsedMail(String contentTypeHeader, String subject, String from, String messageId, List<MailPart> parts) {

    public ParsedMail {
        parts = List.copyOf(parts);
    }
}
