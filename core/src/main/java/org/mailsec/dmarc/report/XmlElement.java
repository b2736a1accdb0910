package org.mailsec.dmarc.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A small element tree read from untrusted XML: local names only (namespaces vary between report versions). */
final class XmlElement {
    final String name;
    final List<XmlElement> children = new ArrayList<>();
    final StringBuilder text = new StringBuilder();

    XmlElement(String name) {
        this.name = name;
    }

    Optional<XmlElement> child(String childName) {
        return children.stream().filter(c -> c.name.equals(childName)).findFirst();
    }

    List<XmlElement> all(String childName) {
        return children.stream().filter(c -> c.name.equals(childName)).toList();
    }

    /** Trimmed text of a child, null when absent or empty. */
    String text(String childName) {
        return child(childName).map(XmlElement::text).orElse(null);
    }

    String text() {
        String t = text.toString().strip();
        return t.isEmpty() ? null : t;
    }

    Optional<XmlElement> find(String descendant) {
        if (name.equals(descendant)) {
            return Optional.of(this);
        }
        for (XmlElement c : children) {
            Optional<XmlElement> found = c.find(descendant);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }
}
