package org.mailsec.io;

/**
 * One leaf part of a mail, transfer-decoded (base64, quoted-printable) but not decompressed.
 *
 * @param mimeType          the base type, lower case (e.g. {@code application/tlsrpt+gzip}); {@code text/plain}
 *                          when the part declared none, {@code application/octet-stream} when it is unreadable
 * @param contentTypeHeader the Content-Type header as sent (empty when absent), for checks the parsed type loses
 * @param fileName          the attachment's file name from Content-Disposition or Content-Type, empty when none
 * @param body              the decoded bytes
 */
public record MailPart(String mimeType, String contentTypeHeader, String fileName, byte[] body) {
}
