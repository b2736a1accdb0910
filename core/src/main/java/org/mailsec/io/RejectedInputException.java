package org.mailsec.io;

/**
 * Input that mailsec refuses to read: too large, truncated, not of any accepted format, or hostile.
 * The message is meant for operators and names the problem (never a stack trace for users).
 */
public class RejectedInputException extends Exception {

    public RejectedInputException(String message) {
        super(message);
    }

    public RejectedInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
