package org.mailsec.cli;

/** The command line itself is wrong (not the input it names). */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
