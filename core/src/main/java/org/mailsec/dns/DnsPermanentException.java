package org.mailsec.dns;

/** REFUSED, FORMERR, NOTIMP or a malformed name: retrying will not help. */
public class DnsPermanentException extends DnsException {
    public DnsPermanentException(String name, String message, Throwable cause) {
        super(name, message, cause);
    }

    public DnsPermanentException(String name, String message) {
        this(name, message, null);
    }

    @Override
    public boolean isTemporary() {
        return false;
    }
}
