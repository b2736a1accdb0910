package org.mailsec.mtasts;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code _mta-sts} TXT record (RFC 8461 §3.1): its {@code id} tells senders when to refetch the policy.
 *
 * @param id         1-32 letters and digits
 * @param extensions extension fields as published
 */
public record MtaStsRecord(String id, Map<String, String> extensions) {

    private static final Pattern VERSION = Pattern.compile("^v=STSv1[ \\t]*(;|$)");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9]{1,32}");
    private static final Pattern EXTENSION_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    private static final Pattern EXTENSION_VALUE = Pattern.compile("[\\x21-\\x3a\\x3c\\x3e-\\x7e]+");

    public MtaStsRecord {
        extensions = Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
    }

    /** True when the TXT string claims to be an MTA-STS record (so several of them is an error). */
    public static boolean looksLikeMtaSts(String txt) {
        return unquote(txt).startsWith("v=STSv1");
    }

    /**
     * Parses a record. A trailing {@code ;;} is accepted (testdata README decision), and surrounding double
     * quotes (presentation format pasted by an operator) are removed.
     */
    public static MtaStsRecord parse(String txt) throws MtaStsException {
        String text = unquote(txt);
        var version = VERSION.matcher(text);
        if (!version.find()) {
            throw new MtaStsException(MtaStsException.Kind.SYNTAX, "record does not start with v=STSv1");
        }
        String id = null;
        Map<String, String> extensions = new LinkedHashMap<>();
        String[] fields = text.substring(version.end()).split(";", -1);
        for (int i = 0; i < fields.length; i++) {
            String field = fields[i].strip();
            if (field.isEmpty()) {
                if (allBlank(fields, i)) {
                    break;
                }
                throw syntax("empty field between ';'");
            }
            int eq = field.indexOf('=');
            if (eq <= 0) {
                throw syntax("field '" + field + "' is not name=value");
            }
            String name = field.substring(0, eq);
            String value = field.substring(eq + 1);
            if (name.equals("id")) {
                if (id != null) {
                    throw syntax("id appears twice");
                }
                if (!ID.matcher(value).matches()) {
                    throw syntax("invalid id '" + value + "' (1 to 32 letters and digits)");
                }
                id = value;
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
        if (id == null) {
            throw syntax("missing id");
        }
        return new MtaStsRecord(id, extensions);
    }

    private static boolean allBlank(String[] parts, int from) {
        for (int i = from; i < parts.length; i++) {
            if (!parts[i].isBlank()) {
                return false;
            }
        }
        return true;
    }

    private static String unquote(String txt) {
        String t = txt.strip();
        return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t;
    }

    private static MtaStsException syntax(String message) {
        return new MtaStsException(MtaStsException.Kind.SYNTAX, message);
    }

    public String toTxt() {
        StringBuilder sb = new StringBuilder("v=STSv1; id=").append(id);
        extensions.forEach((k, v) -> sb.append("; ").append(k).append('=').append(v));
        return sb.toString();
    }
}
