package org.mailsec.tlsrpt;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A {@code _smtp._tls} TXT record (RFC 8460 §3): where to send reports, plus extensions kept as published.
 *
 * @param rua        reporting URIs in published order; {@code %2C}, {@code %21}, {@code %3B} stay encoded in
 *                   the URI and are decoded by {@link #mailtoAddresses()}
 * @param extensions extension fields by name, in published order
 */
public record TlsRptRecord(List<URI> rua, Map<String, String> extensions) {

    private static final String VERSION = "v=TLSRPTv1";
    private static final Pattern EXTENSION_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    private static final Pattern EXTENSION_VALUE = Pattern.compile("[\\x21-\\x3a\\x3c\\x3e-\\x7e]+");

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
    public static TlsRptRecord parse(String txt) throws TlsRptRecordException {
        if (!looksLikeTlsRpt(txt)) {
            throw syntax("record does not start with " + VERSION);
        }
        String[] fields = txt.strip().substring(VERSION.length()).split(";", -1);
        List<URI> rua = new ArrayList<>();
        boolean sawRua = false;
        Map<String, String> extensions = new LinkedHashMap<>();
        for (int i = 0; i < fields.length; i++) {
            String field = fields[i].strip();
            if (field.isEmpty()) {
                if (i == 0 || allBlank(fields, i)) {
                    continue; // the delimiter after the version, or trailing delimiters
                }
                throw syntax("empty field between ';'");
            }
            int eq = field.indexOf('=');
            if (eq <= 0) {
                throw syntax("field '" + field + "' is not name=value");
            }
            String name = field.substring(0, eq);
            String value = field.substring(eq + 1).strip();
            if (name.equals("rua")) {
                sawRua = true;
                rua.addAll(parseRua(value));
            } else {
                if (!EXTENSION_NAME.matcher(name).matches()) {
                    throw syntax("invalid extension name '" + name + "'");
                }
                if (!EXTENSION_VALUE.matcher(value).matches()) {
                    throw syntax("invalid value for extension '" + name + "'");
                }
                extensions.putIfAbsent(name, value);
            }
        }
        if (!sawRua) {
            throw syntax("missing rua");
        }
        return new TlsRptRecord(rua, extensions);
    }

    private static boolean allBlank(String[] fields, int from) {
        for (int i = from; i < fields.length; i++) {
            if (!fields[i].isBlank()) {
                return false;
            }
        }
        return true;
    }

    private static List<URI> parseRua(String value) throws TlsRptRecordException {
        if (value.isEmpty()) {
            throw syntax("empty rua");
        }
        List<URI> uris = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            String text = part.strip();
            if (text.isEmpty()) {
                throw syntax("empty URI in rua");
            }
            if (text.chars().anyMatch(Character::isWhitespace)) {
                throw syntax("unexpected text after URI: '" + text + "'");
            }
            try {
                URI uri = new URI(text);
                if (uri.getScheme() == null || uri.getRawSchemeSpecificPart().isEmpty()) {
                    throw syntax("rua URI '" + text + "' has no scheme");
                }
                uris.add(uri);
            } catch (URISyntaxException e) {
                throw syntax("invalid rua URI '" + text + "': " + e.getReason());
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

    private static TlsRptRecordException syntax(String message) {
        return new TlsRptRecordException(TlsRptRecordException.Kind.SYNTAX, message);
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
