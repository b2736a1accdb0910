package org.mailsec.dmarc;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mailsec.record.RecordException;
import org.mailsec.record.TagList;

/**
 * A DMARC policy record (RFC 7489 §6.3, with RFC 9989's {@code np}, {@code psd} and {@code t}).
 * Tag names and values are case-insensitive and stored lower case; absent tags take their defaults.
 *
 * @param policy           p
 * @param subdomainPolicy  sp (defaults to p)
 * @param nonExistentPolicy np (RFC 9989; defaults to sp)
 * @param dkimAlignment    adkim
 * @param spfAlignment     aspf
 * @param percent          pct (0-100)
 * @param reportInterval   ri in seconds
 * @param failureOptions   fo, e.g. [0] or [1, d, s]
 * @param reportFormats    rf, e.g. [afrf]
 * @param aggregateUris    rua
 * @param failureUris      ruf
 * @param publicSuffixDomain psd: y, n or u (RFC 9989)
 * @param testing          t=y (RFC 9989): the policy is being tested, apply the next lower one
 * @param explicitTags     tags that were published (rest are defaults), for showing the record as published
 * @param warnings         things that parse but an operator should fix
 */
public record DmarcRecord(Policy policy, Policy subdomainPolicy, Policy nonExistentPolicy, Alignment dkimAlignment,
                          Alignment spfAlignment, int percent, long reportInterval, List<String> failureOptions,
                          List<String> reportFormats, List<ReportUri> aggregateUris, List<ReportUri> failureUris,
                          char publicSuffixDomain, boolean testing, Set<String> explicitTags, List<String> warnings) {

    public enum Policy {
        NONE, QUARANTINE, REJECT;

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The policy applied instead when a message falls outside pct or under t=y (RFC 7489 §6.6.4). */
        public Policy weaker() {
            return this == REJECT ? QUARANTINE : NONE;
        }
    }

    public enum Alignment {
        RELAXED("r"), STRICT("s");

        private final String value;

        Alignment(String value) {
            this.value = value;
        }

        public String value() {
            return value;
        }
    }

    /** A reporting URI with its optional size limit ({@code !10m}). */
    public record ReportUri(URI uri, Optional<Long> maxBytes) {
        public String address() {
            String ssp = uri.getSchemeSpecificPart();
            int q = ssp.indexOf('?');
            return q >= 0 ? ssp.substring(0, q) : ssp;
        }
    }

    public DmarcRecord {
        failureOptions = List.copyOf(failureOptions);
        reportFormats = List.copyOf(reportFormats);
        aggregateUris = List.copyOf(aggregateUris);
        failureUris = List.copyOf(failureUris);
        explicitTags = Set.copyOf(explicitTags);
        warnings = List.copyOf(warnings);
    }

    private static final Pattern VERSION = Pattern.compile("^[vV][ \\t]*=[ \\t]*DMARC1[ \\t]*(;|$)");
    private static final Pattern KEYWORD = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?");
    private static final Set<String> REGISTERED_FORMATS = Set.of("afrf");

    /** True when a TXT string claims to be DMARC (so it must parse, or the domain has a broken record). */
    public static boolean looksLikeDmarc(String txt) {
        return VERSION.matcher(txt).find();
    }

    /**
     * Parses a record. Decisions (see README and testdata README): {@code p} need not follow {@code v}
     * directly (RFC 9989; refusing would drop the domain's policy silently), a trailing {@code ;;} is
     * accepted. RFC 7489 §6.3: a syntax error in the rest of the record is discarded — a bad tag value, a bad
     * reporting URI, a stray term — and the default applies, with a warning naming it. Only a missing or
     * invalid {@code v}, a repeated tag, or the rules of §6.6.3 void the record: a missing or invalid {@code p},
     * or an invalid {@code sp}, leave the record used as {@code p=none} when it has a valid {@code rua}, and no
     * record otherwise.
     */
    public static DmarcRecord parse(String txt) throws DmarcRecordException {
        Matcher version = VERSION.matcher(txt);
        if (!version.find()) {
            throw new DmarcRecordException("record does not start with v=DMARC1");
        }
        if (version.group(1).isEmpty()) {
            throw new DmarcRecordException("v=DMARC1 must be followed by ';'");
        }
        Builder b = new Builder();
        List<String> discarded = new ArrayList<>();
        List<TagList.Tag> tags;
        try {
            tags = TagList.parseLenient(txt.substring(version.start(1)), discarded);
        } catch (RecordException e) {
            throw new DmarcRecordException(e.getMessage());
        }
        discarded.forEach(d -> b.warnings.add(d + ": ignored (RFC 7489 §6.3)"));
        List<String> policyErrors = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        boolean first = true;
        for (TagList.Tag tag : tags) {
            String name = tag.name().toLowerCase(Locale.ROOT);
            if (!seen.add(name) || name.equals("v")) {
                throw new DmarcRecordException("tag '" + name + "' appears twice");
            }
            if (name.equals("p") && !first) {
                b.warnings.add("p should directly follow v=DMARC1 (RFC 7489 §6.4)");
            }
            first = false;
            try {
                b.apply(name, tag.value());
                b.explicit.add(name);
            } catch (DmarcRecordException e) {
                if (name.equals("p") || name.equals("sp")) {
                    policyErrors.add(e.getMessage());
                } else {
                    b.warnings.add(e.getMessage() + ": ignored, the default applies (RFC 7489 §6.3)");
                }
            }
        }
        if (!seen.contains("p")) {
            policyErrors.add("missing p");
        }
        if (!policyErrors.isEmpty()) {
            if (b.rua.isEmpty()) {
                throw new DmarcRecordException(String.join("; ", policyErrors));
            }
            // RFC 7489 §6.6.3: with a usable rua, a broken record still asks for reports: treat as p=none.
            b.warnings.addAll(policyErrors);
            b.warnings.add("record treated as p=none (RFC 7489 §6.6.3)");
            b.p = b.sp = b.np = Policy.NONE;
        }
        return b.build();
    }

    private static final class Builder {
        Policy p;
        Policy sp;
        Policy np;
        Alignment adkim = Alignment.RELAXED;
        Alignment aspf = Alignment.RELAXED;
        int pct = 100;
        long ri = 86_400;
        List<String> fo = List.of("0");
        List<String> rf = List.of("afrf");
        List<ReportUri> rua = new ArrayList<>();
        List<ReportUri> ruf = new ArrayList<>();
        char psd = 'u';
        boolean t;
        final Set<String> explicit = new HashSet<>();
        final List<String> warnings = new ArrayList<>();

        void apply(String name, String value) throws DmarcRecordException {
            switch (name) {
                case "p" -> p = policy(name, value);
                case "sp" -> sp = policy(name, value);
                case "np" -> np = policy(name, value);
                case "adkim" -> adkim = alignment(name, value);
                case "aspf" -> aspf = alignment(name, value);
                case "pct" -> {
                    pct = (int) number(name, value, 100);
                    if (pct != 100) {
                        warnings.add("pct is removed by RFC 9989; receivers may ignore it");
                    }
                }
                case "ri" -> ri = number(name, value, 0xFFFFFFFFL);
                case "fo" -> fo = colonList(name, value, Pattern.compile("[01ds]"));
                case "rf" -> {
                    rf = colonList(name, value, KEYWORD);
                    rf.stream().filter(f -> !REGISTERED_FORMATS.contains(f))
                        .forEach(f -> warnings.add("rf=" + f + " is not a registered report format"));
                }
                case "rua" -> rua = uris(name, value, warnings);
                case "ruf" -> ruf = uris(name, value, warnings);
                case "psd" -> psd = oneOf(name, value, "ynu");
                case "t" -> t = oneOf(name, value, "yn") == 'y';
                default -> warnings.add("unknown tag '" + name + "' ignored");
            }
        }

        DmarcRecord build() {
            Policy subdomain = sp != null ? sp : p;
            return new DmarcRecord(p, subdomain, np != null ? np : subdomain, adkim, aspf, pct, ri, fo, rf, rua, ruf,
                psd, t, explicit, warnings);
        }
    }

    private static Policy policy(String name, String value) throws DmarcRecordException {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "none" -> Policy.NONE;
            case "quarantine" -> Policy.QUARANTINE;
            case "reject" -> Policy.REJECT;
            default -> throw new DmarcRecordException("invalid " + name + " '" + value + "'");
        };
    }

    private static Alignment alignment(String name, String value) throws DmarcRecordException {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "r" -> Alignment.RELAXED;
            case "s" -> Alignment.STRICT;
            default -> throw new DmarcRecordException("invalid " + name + " '" + value + "' (r or s)");
        };
    }

    private static long number(String name, String value, long max) throws DmarcRecordException {
        if (!value.matches("[0-9]{1,12}")) {
            throw new DmarcRecordException("invalid " + name + " '" + value + "' (a number)");
        }
        long n = Long.parseLong(value);
        if (n > max) {
            throw new DmarcRecordException(name + " " + n + " is over " + max);
        }
        return n;
    }

    private static char oneOf(String name, String value, String allowed) throws DmarcRecordException {
        String v = value.toLowerCase(Locale.ROOT);
        if (v.length() != 1 || allowed.indexOf(v.charAt(0)) < 0) {
            throw new DmarcRecordException("invalid " + name + " '" + value + "'");
        }
        return v.charAt(0);
    }

    private static List<String> colonList(String name, String value, Pattern item) throws DmarcRecordException {
        List<String> out = new ArrayList<>();
        for (String part : value.split(":", -1)) {
            String v = part.strip().toLowerCase(Locale.ROOT);
            if (!item.matcher(v).matches()) {
                throw new DmarcRecordException("invalid " + name + " '" + value + "'");
            }
            out.add(v);
        }
        return out;
    }

    /**
     * The reporting URIs of {@code rua} or {@code ruf}; a URI that does not parse (no scheme, a bad size limit) is
     * left out with a warning and the others kept (RFC 7489 §6.3).
     */
    /** A {@code rua}/{@code ruf} value's URIs; ones that do not parse are left out, as in a record (RFC 7489 §6.3). */
    public static List<ReportUri> reportUris(String name, String value) {
        return uris(name, value, new ArrayList<>());
    }

    private static List<ReportUri> uris(String name, String value, List<String> warnings) {
        List<ReportUri> out = new ArrayList<>();
        if (value.isBlank()) {
            warnings.add("empty " + name + ": ignored (RFC 7489 §6.3)");
            return out;
        }
        for (String part : value.split(",", -1)) {
            try {
                out.add(uri(name, part));
            } catch (DmarcRecordException e) {
                warnings.add(e.getMessage() + ": left out (RFC 7489 §6.3)");
            }
        }
        return out;
    }

    private static ReportUri uri(String name, String part) throws DmarcRecordException {
        // Split at the last '!' by hand: a regex over runs of spaces backtracks for seconds on a hostile record.
        String trimmed = part.strip();
        int bang = trimmed.lastIndexOf('!');
        String text = (bang >= 0 ? trimmed.substring(0, bang) : trimmed).strip();
        String sizeText = bang >= 0 ? trimmed.substring(bang + 1).strip() : null;
        if (text.isEmpty()) {
            throw new DmarcRecordException("empty URI in " + name);
        }
        if (text.contains("!")) {
            throw new DmarcRecordException("invalid size limit in " + name + " '" + abbreviate(trimmed) + "' (e.g. !10m)");
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new DmarcRecordException("invalid " + name + " URI '" + text + "'");
        }
        if (uri.getScheme() == null || !uri.getScheme().matches("[A-Za-z][A-Za-z0-9+.-]*")
                || uri.getRawSchemeSpecificPart().isEmpty()) {
            throw new DmarcRecordException(name + " URI '" + text + "' has no scheme (e.g. mailto:)");
        }
        Optional<Long> size = Optional.empty();
        if (sizeText != null) {
            size = Optional.of(sizeLimit(name, trimmed, sizeText));
        }
        return new ReportUri(uri, size);
    }

    /** {@code 10m}, {@code 10 k}, {@code 1 000}: digits (spaces between them tolerated) and an optional unit. */
    private static long sizeLimit(String name, String part, String sizeText) throws DmarcRecordException {
        long unit = 1;
        String digits = sizeText;
        if (!digits.isEmpty()) {
            switch (Character.toLowerCase(digits.charAt(digits.length() - 1))) {
                case 'k' -> unit = 1L << 10;
                case 'm' -> unit = 1L << 20;
                case 'g' -> unit = 1L << 30;
                case 't' -> unit = 1L << 40;
                default -> unit = 1;
            }
            if (unit != 1) {
                digits = digits.substring(0, digits.length() - 1);
            }
        }
        digits = digits.replace(" ", "").replace("\t", "");
        if (digits.isEmpty() || digits.length() > 15 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new DmarcRecordException("invalid size limit in " + name + " '" + abbreviate(part) + "' (e.g. !10m)");
        }
        try {
            return Math.multiplyExact(Long.parseLong(digits), unit);
        } catch (ArithmeticException e) {
            throw new DmarcRecordException("size limit too large in " + name + " '" + abbreviate(part) + "'");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "…";
    }
}
