package org.mailsec.dns;

/** SERVFAIL, timeout or network failure: the lookup may succeed later. */
public class DnsTemporaryException extends DnsException {
    public DnsTemporaryException(String name, String message, Throwable cause) {
        super(name, message, cause);
    }

    public DnsTemporaryException(String name, String message) {
        this(name, message, null);
    }

    @Override
    public boolean isTemporary() {
        return true;
    }
}
