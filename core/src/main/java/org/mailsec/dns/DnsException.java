package org.mailsec.dns;

/** A DNS lookup that failed; see the two subclasses for whether it is worth retrying. */
public abstract class DnsException extends Exception {
    private final String name;

    protected DnsException(String name, String message, Throwable cause) {
        super(message, cause);
        this.name = name;
    }

    /** The name that was queried. */
    public String name() {
        return name;
    }

    public abstract boolean isTemporary();
}
