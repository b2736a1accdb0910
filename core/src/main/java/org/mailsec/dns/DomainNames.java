package org.mailsec.dns;

import java.util.Locale;

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
}
