package org.mailsec.net;

import java.net.UnknownHostException;

/** A name resolved only to addresses the {@link AddressPolicy} refuses: no connection is made. */
public final class RefusedAddressException extends UnknownHostException {

    public RefusedAddressException(String message) {
        super(message);
    }
}
