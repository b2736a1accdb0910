package org.mailsec.dmarc.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A small element tree read from untrusted XML: local names only (namespaces vary between report versions). */
final class XmlElement {
    final String name;
    // Allocated on first use: most elements are leaves, and hostile files are mostly elements.
    private List<XmlElement> children = List.of();
    private boolean cut;
    private StringBuilder text;

    XmlElement(String name) {
        this.name = name;
    }

    void add(XmlElement child) {
        if (children.isEmpty()) {
            children = new ArrayList<>(4);
        }
        children.add(child);
    }

    /** Appends text up to {@code max} characters in all; {@link #cut()} says when some was left out. */
    void appendText(String s, int max) {
        if (text == null) {
            text = new StringBuilder();
        }
        if (text.length() < max) {
            text.append(s, 0, Math.min(s.length(), max - text.length()));
        }
        if (text.length() + s.length() > max) {
            cut = true;
        }
    }

    /** Some of this element's text was left out: a value read from it would be another value. */
    boolean cut() {
        return cut;
    }

    List<XmlElement> children() {
        return children;
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
        if (text == null) {
            return null;
        }
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
