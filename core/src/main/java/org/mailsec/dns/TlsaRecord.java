package org.mailsec.dns;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One TLSA record (RFC 6698 §2.1). Values are kept as published, including ones mailsec cannot use,
 * so DANE code can decide which records are usable (RFC 7672 §2.2).
 */
public record TlsaRecord(int usage, int selector, int matchingType, byte[] data) {

    public TlsaRecord {
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TlsaRecord t && t.usage == usage && t.selector == selector
            && t.matchingType == matchingType && Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * usage + selector) + matchingType) + Arrays.hashCode(data);
    }

    /** Presentation format, e.g. {@code 3 1 1 0a1b...}. */
    @Override
    public String toString() {
        return usage + " " + selector + " " + matchingType + " " + HexFormat.of().formatHex(data);
    }
}
