package org.mailsec.dmarc;

import com.google.common.cache.CacheBuilder;
import com.google.common.cache.CacheLoader;
import com.google.common.cache.LoadingCache;
import com.google.common.net.InternetDomainName;
import java.net.IDN;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Organizational domains (RFC 7489 §3.2) from the public suffix list. DMARC uses the whole list
 * ({@link #guavaWithPrivateSuffixes()}): with the ICANN section only, customers of a private registry such
 * as {@code uk.com} would share one organizational domain, so {@code evil.uk.com} could align with mail
 * from {@code bank.uk.com}. (mox uses the ICANN section; mailsec departs from it here on purpose.)
 *
 * <p>The default list is the one compiled into Guava; {@link #fromList(String)} reads a list in the
 * publicsuffix.org format, so an operator can supply a fresher one. Names not under any listed suffix
 * get the list's implicit {@code *} rule (the last label is the suffix).
 */
public abstract class OrganizationalDomains {

    /** The list compiled into Guava, ICANN section only (as mox uses it). */
    public static OrganizationalDomains guava() {
        return new Guava(false);
    }

    /** The list compiled into Guava including its private section (e.g. {@code uk.com}): DMARC's default. */
    public static OrganizationalDomains guavaWithPrivateSuffixes() {
        return new Guava(true);
    }

    /** A list in publicsuffix.org format; only the ICANN section is used when the markers are present. */
    public static OrganizationalDomains fromList(String listText) {
        return new FromList(listText);
    }

    /**
     * The registrable domain (public suffix plus one label), or empty when the name is itself a public
     * suffix or not a valid name. The answer keeps the input's form (A-labels stay A-labels), lower case.
     */
    public Optional<String> registrableDomain(String domain) {
        List<String> labels = labels(domain);
        if (labels.isEmpty()) {
            return Optional.empty();
        }
        int suffixLabels = suffixLengths.getUnchecked(String.join(".", labels));
        if (labels.size() <= suffixLabels) {
            return Optional.empty();
        }
        return Optional.of(String.join(".", labels.subList(labels.size() - suffixLabels - 1, labels.size())));
    }

    /** The organizational domain: the registrable domain, or the name itself when it is a public suffix. */
    public String organizationalDomain(String domain) {
        return registrableDomain(domain).orElseGet(() -> String.join(".", labels(domain)));
    }

    /**
     * Public suffix lengths of names seen lately: every received message asks for its From, MAIL FROM and DKIM
     * domains, mostly the same few, and a list lookup (IDNA, Guava's name checks) costs more than the rest of
     * alignment.
     */
    private final LoadingCache<String, Integer> suffixLengths = CacheBuilder.newBuilder().maximumSize(10_000)
        .build(CacheLoader.from(name -> publicSuffixLabels(labels(name).stream().map(OrganizationalDomains::toUnicode).toList())));

    /** Number of labels of the longest public suffix of {@code unicodeLabels} (at least 1). */
    protected abstract int publicSuffixLabels(List<String> unicodeLabels);

    /**
     * Relaxed alignment (RFC 7489 §3.1): both names have the same organizational domain. Case and a trailing
     * dot do not matter; a blank or malformed name aligns with nothing.
     */
    public boolean relaxedAligned(String a, String b) {
        List<String> first = labels(a);
        List<String> second = labels(b);
        if (first.isEmpty() || second.isEmpty()) {
            return false;
        }
        return organizationalDomain(String.join(".", first)).equals(organizationalDomain(String.join(".", second)));
    }

    static List<String> labels(String domain) {
        if (domain == null) {
            return List.of();
        }
        String d = org.mailsec.dns.DomainNames.normalise(domain);
        if (d.isEmpty() || d.startsWith(".") || d.contains("..")) {
            return List.of();
        }
        return List.of(d.split("\\."));
    }

    private static String toUnicode(String label) {
        try {
            return IDN.toUnicode(label, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return label;
        }
    }

    private static final class Guava extends OrganizationalDomains {
        private final boolean includePrivate;

        Guava(boolean includePrivate) {
            this.includePrivate = includePrivate;
        }

        @Override
        protected int publicSuffixLabels(List<String> labels) {
            try {
                InternetDomainName name = InternetDomainName.from(String.join(".", labels));
                if (includePrivate ? name.isPublicSuffix() : name.isRegistrySuffix()) {
                    return labels.size();
                }
                if (includePrivate ? name.isUnderPublicSuffix() : name.isUnderRegistrySuffix()) {
                    return (includePrivate ? name.publicSuffix() : name.registrySuffix()).parts().size();
                }
            } catch (IllegalArgumentException | IllegalStateException e) {
                // Not a name Guava accepts (e.g. underscores): fall back to the implicit rule.
            }
            return 1;
        }
    }

    private static final class FromList extends OrganizationalDomains {
        private final Set<String> rules = new HashSet<>();
        private final Set<String> wildcards = new HashSet<>();
        private final Set<String> exceptions = new HashSet<>();

        FromList(String text) {
            boolean sectioned = text.contains("===BEGIN ICANN DOMAINS===");
            boolean inIcann = !sectioned;
            for (String raw : text.split("\n")) {
                String line = raw.strip();
                if (line.contains("===BEGIN ICANN DOMAINS===")) {
                    inIcann = true;
                    continue;
                }
                if (line.contains("===END ICANN DOMAINS===")) {
                    inIcann = false;
                    continue;
                }
                if (!inIcann || line.isEmpty() || line.startsWith("//")) {
                    continue;
                }
                String rule = String.join(".", new ArrayList<>(labels(line.split("\\s")[0]).stream()
                    .map(OrganizationalDomains::toUnicode).toList()));
                if (line.startsWith("!")) {
                    exceptions.add(toUnicodeName(line.substring(1)));
                } else if (line.startsWith("*.")) {
                    wildcards.add(toUnicodeName(line.substring(2)));
                } else {
                    rules.add(rule);
                }
            }
        }

        private static String toUnicodeName(String name) {
            return String.join(".", labels(name).stream().map(OrganizationalDomains::toUnicode).toList());
        }

        @Override
        protected int publicSuffixLabels(List<String> labels) {
            int best = 1;
            for (int n = labels.size(); n >= 1; n--) {
                String candidate = String.join(".", labels.subList(labels.size() - n, labels.size()));
                if (exceptions.contains(candidate)) {
                    return n - 1;
                }
            }
            for (int n = 1; n <= labels.size(); n++) {
                String candidate = String.join(".", labels.subList(labels.size() - n, labels.size()));
                if (rules.contains(candidate)) {
                    best = Math.max(best, n);
                }
                if (n > 1 && wildcards.contains(String.join(".", labels.subList(labels.size() - n + 1, labels.size())))) {
                    best = Math.max(best, n);
                }
            }
            return best;
        }
    }
}
