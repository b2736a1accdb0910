package org.mailsec.store;

/** The store cannot do what was asked; the message names the setting or the operation. */
public class StoreException extends RuntimeException {

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
