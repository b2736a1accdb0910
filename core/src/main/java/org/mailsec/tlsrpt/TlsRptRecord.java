package org.mailsec.tlsrpt;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mailsec.record.RecordException;
import org.mailsec.record.TagList;

/**
 * A {@code _smtp._tls} TXT record (RFC 8460 §3): where to send reports, plus extensions kept as published.
 *
 * @param rua        reporting URIs in published order; {@code %2C}, {@code %21}, {@code %3B} stay encoded in
 *                   the URI and are decoded by {@link #mailtoAddresses()}
 * @param extensions extension fields by name, in published order
 */
public record TlsRptRecord(List<URI> rua, Map<String, String> extensions) {

    private static final String VERSION = "v=TLSRPTv1";

    public TlsRptRecord {
        rua = List.copyOf(rua);
        extensions = Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
    }

    /** True when the TXT string claims to be a TLSRPT record (and so must parse, or is an error). */
    public static boolean looksLikeTlsRpt(String txt) {
        String t = txt.strip();
        return t.startsWith(VERSION) && (t.length() == VERSION.length()
            || t.charAt(VERSION.length()) == ';' || Character.isWhitespace(t.charAt(VERSION.length())));
    }

    /**
     * Parses a record. Decisions where the RFC's grammar and deployed practice differ (see testdata README):
     * a trailing {@code ;;} or whitespace is accepted, and a repeated {@code rua} adds its URIs (as mox does)
     * rather than dropping a reporting address.
     */
    public static TlsRptRecord parse(String txt) throws RecordException {
        if (!looksLikeTlsRpt(txt)) {
            throw RecordException.syntax("record does not start with " + VERSION);
        }
        List<URI> rua = new ArrayList<>();
        boolean sawRua = false;
        Map<String, String> extensions = new LinkedHashMap<>();
        for (TagList.Tag tag : TagList.parse(txt.strip().substring(VERSION.length()))) {
            if (tag.name().equals("rua")) {
                sawRua = true;
                rua.addAll(parseRua(tag.value()));
            } else {
                TagList.checkExtension(tag);
                extensions.putIfAbsent(tag.name(), tag.value());
            }
        }
        if (!sawRua) {
            throw RecordException.syntax("missing rua");
        }
        return new TlsRptRecord(rua, extensions);
    }

    private static List<URI> parseRua(String value) throws RecordException {
        if (value.isEmpty()) {
            throw RecordException.syntax("empty rua");
        }
        List<URI> uris = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            String text = part.strip();
            if (text.isEmpty()) {
                throw RecordException.syntax("empty URI in rua");
            }
            if (text.chars().anyMatch(Character::isWhitespace)) {
                throw RecordException.syntax("unexpected text after URI: '" + text + "'");
            }
            try {
                URI uri = new URI(text);
                if (uri.getScheme() == null || uri.getRawSchemeSpecificPart().isEmpty()) {
                    throw RecordException.syntax("rua URI '" + text + "' has no scheme");
                }
                uris.add(uri);
            } catch (URISyntaxException e) {
                throw RecordException.syntax("invalid rua URI '" + text + "': " + e.getReason());
            }
        }
        return uris;
    }

    /** The {@code mailto:} addresses, percent-decoded (so {@code %2C} becomes a comma), without query. */
    public List<String> mailtoAddresses() {
        return rua.stream().filter(u -> "mailto".equalsIgnoreCase(u.getScheme()))
            .map(u -> {
                String ssp = u.getSchemeSpecificPart();
                int q = ssp.indexOf('?');
                return q >= 0 ? ssp.substring(0, q) : ssp;
            }).toList();
    }

    /** The {@code https:} endpoints. */
    public List<URI> httpsEndpoints() {
        return rua.stream().filter(u -> "https".equalsIgnoreCase(u.getScheme())).toList();
    }

    /** The record in canonical TXT form. */
    public String toTxt() {
        StringBuilder sb = new StringBuilder(VERSION).append("; rua=");
        for (int i = 0; i < rua.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(rua.get(i));
        }
        extensions.forEach((k, v) -> sb.append("; ").append(k).append('=').append(v));
        return sb.toString();
    }
}
