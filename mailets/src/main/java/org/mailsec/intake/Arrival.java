package org.mailsec.intake;

/**
 * How a report reached us and what we know of its sender; it names the refusal row an operator reads and the
 * sender a stored report is credited to.
 *
 * @param channel    by mail or by HTTPS POST
 * @param name       the mail's name, or "https from {client}"
 * @param fileName   the name the readers go by ({@code .eml} for a whole mail, {@code .json.gz} for a post)
 * @param origin     the MAIL FROM domain, or the posting client's address
 * @param sender     the MAIL FROM address; empty for a post
 * @param messageId  the Message-ID header; empty for a post
 * @param subject    the Subject header; empty for a post
 * @param fromHeader the From header whose domain a DKIM signature must align with; null when a mail has none,
 *                   and for a post
 */
public record Arrival(Channel channel, String name, String fileName, String origin, String sender, String messageId,
                      String subject, String fromHeader) {

    public enum Channel {
        MAIL,
        /** RFC 8460 §5.3: the poster retries when we answer 5xx, so a store failure is not a refusal. */
        HTTPS;

        boolean senderRetries() {
            return this == HTTPS;
        }

        /** A mail may carry DKIM signatures; nothing authenticates a post (RFC 8460 §5.3 has no such means). */
        boolean signed() {
            return this == MAIL;
        }
    }

    /** A report posted by {@code client}, in a body of {@code fileName}'s kind. */
    public static Arrival posted(String client, String fileName) {
        return new Arrival(Channel.HTTPS, "https from " + client, fileName, client, "", "", "", null);
    }
}
