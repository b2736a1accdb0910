package org.mailsec.mtasts;

import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.mailsec.record.RecordException;

/**
 * An MTA-STS policy (RFC 8461 §3.2).
 *
 * @param mode       enforce, testing or none
 * @param mx         MX host patterns, lower case A-labels; {@code *.example.com} matches one extra label
 * @param maxAge     how long the policy may be cached
 * @param extensions fields other than version/mode/mx/max_age, as published
 * @param warnings   things that parse but an operator should fix (e.g. a repeated field)
 */
public record MtaStsPolicy(Mode mode, List<String> mx, Duration maxAge, Map<String, String> extensions,
                           List<String> warnings) {

    /** RFC 8461 §3.2: max_age is at most 31557600 seconds (about a year). */
    public static final long MAX_AGE_LIMIT = 31_557_600;
    /** RFC 8461 §3.3: senders may limit policy bodies to 64 KB. */
    public static final int MAX_POLICY_BYTES = 64 * 1024;

    public enum Mode {
        ENFORCE, TESTING, NONE;

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    private static final Pattern MAX_AGE = Pattern.compile("[0-9]{1,10}");
    private static final Pattern LDH_LABEL = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

    public MtaStsPolicy {
        mx = List.copyOf(mx);
        extensions = Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
        warnings = List.copyOf(warnings);
    }

    /**
     * Parses a policy body. Decisions (testdata README): a repeated field keeps its first value (mx lines
     * accumulate), unknown fields are ignored, blank lines and a missing final newline are accepted.
     */
    public static MtaStsPolicy parse(byte[] body) throws RecordException {
        if (body.length > MAX_POLICY_BYTES) {
            throw invalid("policy is larger than " + MAX_POLICY_BYTES + " bytes");
        }
        for (byte b : body) {
            if (b < 0 || b == 0) {
                throw invalid("policy contains non-ASCII or NUL bytes");
            }
        }
        return parse(new String(body, StandardCharsets.US_ASCII));
    }

    public static MtaStsPolicy parse(String text) throws RecordException {
        String version = null;
        Mode mode = null;
        Long maxAge = null;
        List<String> mx = new ArrayList<>();
        Map<String, String> extensions = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        for (String rawLine : text.split("\r?\n", -1)) {
            String line = rawLine.strip();
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw invalid("line '" + abbreviate(line) + "' is not 'name: value'");
            }
            String name = line.substring(0, colon);
            String value = line.substring(colon + 1).strip();
            if (!FIELD_NAME.matcher(name).matches()) {
                throw invalid("invalid field name '" + abbreviate(name) + "'");
            }
            if (value.isEmpty()) {
                throw invalid("field '" + name + "' has no value");
            }
            switch (name) {
                case "version" -> {
                    if (version != null) {
                        warnings.add("version repeated; the first is used");
                        continue;
                    }
                    if (!value.equals("STSv1")) {
                        throw invalid("unsupported version '" + abbreviate(value) + "'");
                    }
                    version = value;
                }
                case "mode" -> {
                    if (mode != null) {
                        warnings.add("mode repeated; the first (" + mode.value() + ") is used");
                        continue;
                    }
                    mode = switch (value) {
                        case "enforce" -> Mode.ENFORCE;
                        case "testing" -> Mode.TESTING;
                        case "none" -> Mode.NONE;
                        default -> throw invalid("invalid mode '" + abbreviate(value) + "'");
                    };
                }
                case "max_age" -> {
                    if (maxAge != null) {
                        warnings.add("max_age repeated; the first is used");
                        continue;
                    }
                    if (!MAX_AGE.matcher(value).matches()) {
                        throw invalid("invalid max_age '" + abbreviate(value) + "'");
                    }
                    long seconds = Long.parseLong(value);
                    if (seconds > MAX_AGE_LIMIT) {
                        throw invalid("max_age " + seconds + " is over the limit of " + MAX_AGE_LIMIT);
                    }
                    maxAge = seconds;
                }
                case "mx" -> mx.add(mxPattern(value));
                default -> {
                    if (value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c > 0x7e)) {
                        throw invalid("invalid value for field '" + name + "'");
                    }
                    extensions.putIfAbsent(name, value);
                }
            }
        }
        if (version == null) {
            throw invalid("missing version");
        }
        if (mode == null) {
            throw invalid("missing mode");
        }
        if (maxAge == null) {
            throw invalid("missing max_age");
        }
        if (mx.isEmpty() && mode != Mode.NONE) {
            throw invalid("mode " + mode.value() + " needs at least one mx");
        }
        if (maxAge < 86_400 && mode != Mode.NONE) {
            warnings.add("max_age under one day gives little protection (RFC 8461 §3.2 suggests weeks)");
        }
        return new MtaStsPolicy(mode, mx, Duration.ofSeconds(maxAge), extensions, warnings);
    }

    /** {@code *.example.com} or a host name; U-labels are converted to A-labels. */
    private static String mxPattern(String value) throws RecordException {
        String v = value.toLowerCase(Locale.ROOT);
        boolean wildcard = v.startsWith("*.");
        String host = wildcard ? v.substring(2) : v;
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        String ascii;
        try {
            ascii = IDN.toASCII(host, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw invalid("invalid mx '" + abbreviate(value) + "'");
        }
        String[] labels = ascii.split("\\.", -1);
        if (labels.length < 2 && !wildcard || ascii.length() > 253) {
            throw invalid("invalid mx '" + abbreviate(value) + "'");
        }
        for (String label : labels) {
            if (!LDH_LABEL.matcher(label).matches()) {
                throw invalid("invalid mx '" + abbreviate(value) + "' (a wildcard may only be the whole first label)");
            }
        }
        return wildcard ? "*." + ascii : ascii;
    }

    /**
     * Whether an MX host is allowed by this policy (RFC 8461 §4.1): case-insensitive, a trailing dot ignored,
     * and {@code *.example.com} matching exactly one label more ({@code a.example.com}, not {@code example.com}
     * nor {@code a.b.example.com}).
     */
    public boolean matches(String mxHost) {
        String host = org.mailsec.dns.DomainNames.normalise(mxHost);
        try {
            host = IDN.toASCII(host).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return false;
        }
        for (String pattern : mx) {
            if (pattern.startsWith("*.")) {
                int dot = host.indexOf('.');
                if (dot > 0 && host.substring(dot + 1).equals(pattern.substring(2))) {
                    return true;
                }
            } else if (pattern.equals(host)) {
                return true;
            }
        }
        return false;
    }

    /** The policy as RFC 8461 text (CRLF lines), e.g. for TLS reports' policy-string. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        lines.add("version: STSv1");
        lines.add("mode: " + mode.value());
        mx.forEach(m -> lines.add("mx: " + m));
        lines.add("max_age: " + maxAge.getSeconds());
        extensions.forEach((k, v) -> lines.add(k + ": " + v));
        return lines;
    }

    private static RecordException invalid(String message) {
        return new RecordException(RecordException.Kind.SYNTAX, message);
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
