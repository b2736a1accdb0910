package org.mailsec.dns;

/** One MX record; {@code host} is lower case without the final dot ("" for the RFC 7505 null MX "."). */
public record MxRecord(int preference, String host) {
}
