package org.mailsec.mtasts;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.mailsec.record.RecordException;
import org.mailsec.record.TagList;

/**
 * The {@code _mta-sts} TXT record (RFC 8461 §3.1): its {@code id} tells senders when to refetch the policy.
 *
 * @param id         1-32 letters and digits
 * @param extensions extension fields as published
 */
public record MtaStsRecord(String id, Map<String, String> extensions) {

    private static final Pattern VERSION = Pattern.compile("^v=STSv1[ \\t]*(;|$)");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9]{1,32}");

    public MtaStsRecord {
        extensions = Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
    }

    /** True when the TXT string claims to be an MTA-STS record (so several of them is an error). */
    public static boolean looksLikeMtaSts(String txt) {
        // RFC 8461 §3.1: records that do not begin with "v=STSv1;" are discarded (so "v=STSv10" is not one).
        return VERSION.matcher(unquote(txt)).find();
    }

    /**
     * Parses a record. A trailing {@code ;;} is accepted (testdata README decision), and surrounding double
     * quotes (presentation format pasted by an operator) are removed.
     */
    public static MtaStsRecord parse(String txt) throws RecordException {
        String text = unquote(txt);
        var version = VERSION.matcher(text);
        if (!version.find()) {
            throw RecordException.syntax("record does not start with v=STSv1");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029) {
                // RFC 8461 §3.1: fields are separated by spaces and tabs (WSP) only.
                throw RecordException.syntax("record contains a line break or control character (only spaces and tabs "
                    + "may separate fields)");
            }
        }
        String id = null;
        Map<String, String> extensions = new LinkedHashMap<>();
        for (TagList.Tag tag : TagList.parse(text.substring(version.start(1)))) {
            if (tag.name().equals("id")) {
                if (id != null) {
                    throw RecordException.syntax("id appears twice");
                }
                if (!ID.matcher(tag.value()).matches()) {
                    throw RecordException.syntax("invalid id '" + tag.value() + "' (1 to 32 letters and digits)");
                }
                id = tag.value();
            } else {
                TagList.checkExtension(tag);
                extensions.putIfAbsent(tag.name(), tag.value());
            }
        }
        if (id == null) {
            throw RecordException.syntax("missing id");
        }
        return new MtaStsRecord(id, extensions);
    }

    /**
     * Removes surrounding double quotes (presentation format pasted by an operator). Whitespace is kept: RFC 8461
     * §3.1 discards a record that does not begin with {@code v=STSv1}, and " v=STSv1" does not.
     */
    private static String unquote(String txt) {
        return txt.length() >= 2 && txt.startsWith("\"") && txt.endsWith("\"") ? txt.substring(1, txt.length() - 1) : txt;
    }

    public String toTxt() {
        StringBuilder sb = new StringBuilder("v=STSv1; id=").append(id);
        extensions.forEach((k, v) -> sb.append("; ").append(k).append('=').append(v));
        return sb.toString();
    }
}
