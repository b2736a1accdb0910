package org.mailsec.io;

/**
 * One decoded, decompressed piece of input ready for a report parser.
 *
 * @param name  where it came from, for messages: the file or attachment name with compression suffixes
 *              removed, or the zip entry name; empty when unknown
 * @param bytes the content
 */
public record Payload(String name, byte[] bytes) {
}
