package org.mailsec.dmarc;

/** A {@code _dmarc} TXT record that claims to be DMARC but cannot be used. */
public class DmarcRecordException extends Exception {

    public DmarcRecordException(String message) {
        super(message);
    }

    /** Stable word for scripts and reports. */
    public String kind() {
        return "syntax";
    }
}
