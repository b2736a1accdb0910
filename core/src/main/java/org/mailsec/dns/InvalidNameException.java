package org.mailsec.dns;

/** The name cannot be asked at all (empty, too long, an empty or over-long label): no DNS answer was involved. */
public final class InvalidNameException extends DnsPermanentException {
    public InvalidNameException(String name, String message, Throwable cause) {
        super(name, message, cause);
    }

    public InvalidNameException(String name, String message) {
        this(name, message, null);
    }
}
