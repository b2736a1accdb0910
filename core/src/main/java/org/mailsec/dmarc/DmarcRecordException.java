package org.mailsec.dmarc;

import org.mailsec.record.RecordException;

/** A {@code _dmarc} TXT record that claims to be DMARC but cannot be used: a {@link Kind#SYNTAX} record error. */
public class DmarcRecordException extends RecordException {

    public DmarcRecordException(String message) {
        super(Kind.SYNTAX, message);
    }
}
