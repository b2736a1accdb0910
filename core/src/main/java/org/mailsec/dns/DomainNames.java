package org.mailsec.dns;

import java.net.IDN;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** The one way mailsec compares domain names: surrounding whitespace and a final dot removed, ASCII lower case. */
public final class DomainNames {

    private DomainNames() {
    }

    /** {@code " Mx.Example.COM. "} is {@code "mx.example.com"}; null is the empty name. */
    public static String normalise(String name) {
        if (name == null) {
            return "";
        }
        String n = name.strip().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /** RFC 1123 §2.1 labels: letters, digits and inner hyphens, 1 to 63 octets. */
    private static final Pattern HOST_LABEL = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

    /**
     * A name given from outside as a host name (A-labels, RFC 5890), normalised; empty when it is not one: an empty
     * label, a character other than LDH, a label over 63 or a name over 253 octets.
     */
    public static Optional<String> hostName(String name) {
        String n = normalise(name);
        try {
            n = IDN.toASCII(n, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (n.isEmpty() || n.length() > 253) {
            return Optional.empty();
        }
        for (String label : n.split("\\.", -1)) {
            if (!HOST_LABEL.matcher(label).matches()) {
                return Optional.empty();
            }
        }
        return Optional.of(n);
    }
}
