package org.mailsec.dmarc;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.mailsec.dmarc.DmarcRecord.Alignment;
import org.mailsec.dmarc.DmarcRecord.Policy;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsResolver;

/**
 * DMARC evaluation of one message (RFC 7489 §6.6): the From domain's policy, DKIM and SPF identifier
 * alignment, pct sampling and RFC 9989's {@code np} and {@code t}.
 */
public final class DmarcVerifier {

    /** Authentication results as a receiver's DKIM and SPF verifiers give them. */
    public enum AuthResult { PASS, FAIL, SOFTFAIL, NEUTRAL, NONE, TEMPERROR, PERMERROR, POLICY }

    /** One DKIM signature's result; {@code domain} is its d= tag. */
    public record DkimResult(String domain, AuthResult result) {
    }

    /** The SPF result and the domain it was evaluated for (MAIL FROM, or HELO when MAIL FROM was empty). */
    public record SpfResult(String domain, AuthResult result) {
    }

    public enum Status { NONE, PASS, FAIL, TEMPERROR, PERMERROR }

    /**
     * The verdict.
     *
     * @param status        none (no policy), pass, fail, temperror, permerror
     * @param record        the policy record used, if any
     * @param recordDomain  where it was found
     * @param applied       the policy selected for this From domain (p, sp or np), before sampling
     * @param disposition   what to do with the message after pct/t sampling
     * @param dkimAligned   an aligned DKIM signature passed
     * @param spfAligned    SPF passed for an aligned domain
     * @param alignedDkimDomain the d= of the first aligned passing signature
     * @param sampledOut    the policy was weakened because of pct or t=y
     */
    public record Result(Status status, Optional<DmarcRecord> record, String recordDomain, Policy applied,
                         Policy disposition, boolean dkimAligned, boolean spfAligned,
                         Optional<String> alignedDkimDomain, boolean sampledOut, String message) {

        /** The receiver should refuse the message (disposition reject). */
        public boolean reject() {
            return disposition == Policy.REJECT;
        }

        public boolean quarantine() {
            return disposition == Policy.QUARANTINE;
        }
    }

    private final DmarcLookup lookup;
    private final OrganizationalDomains organizationalDomains;
    private final DnsResolver resolver;
    private final RandomGenerator random;

    public DmarcVerifier(DmarcLookup lookup, OrganizationalDomains organizationalDomains, DnsResolver resolver,
                         RandomGenerator random) {
        this.lookup = lookup;
        this.organizationalDomains = organizationalDomains;
        this.resolver = resolver;
        this.random = random;
    }

    public Result verify(String fromDomain, List<DkimResult> dkim, SpfResult spf) {
        String from = String.join(".", OrganizationalDomains.labels(fromDomain));
        DmarcLookup.Result found = lookup.lookup(from);
        switch (found.status()) {
            case NONE -> {
                return new Result(Status.NONE, Optional.empty(), "", Policy.NONE, Policy.NONE, false, false,
                    Optional.empty(), false, found.message());
            }
            case TEMPERROR, PERMERROR -> {
                Status status = found.status() == DmarcLookup.Result.Status.TEMPERROR ? Status.TEMPERROR : Status.PERMERROR;
                return new Result(status, Optional.empty(), found.recordDomain(), Policy.NONE, Policy.NONE, false,
                    false, Optional.empty(), false, found.message());
            }
            default -> {
                // FOUND: evaluate below
            }
        }
        DmarcRecord record = found.record().orElseThrow();
        Policy applied = selectPolicy(record, from, found.recordDomain());

        Optional<String> dkimDomain = dkim.stream()
            .filter(d -> d.result() == AuthResult.PASS && aligned(d.domain(), from, record.dkimAlignment()))
            .map(d -> d.domain().toLowerCase(Locale.ROOT)).findFirst();
        boolean spfAligned = spf != null && spf.result() == AuthResult.PASS
            && aligned(spf.domain(), from, record.spfAlignment());
        if (dkimDomain.isPresent() || spfAligned) {
            return new Result(Status.PASS, Optional.of(record), found.recordDomain(), applied, Policy.NONE,
                dkimDomain.isPresent(), spfAligned, dkimDomain, false, "");
        }
        // A temporary failure of an aligned identifier means the verdict is not known yet, not a failure.
        boolean alignedTempError = dkim.stream().anyMatch(d -> d.result() == AuthResult.TEMPERROR
                && aligned(d.domain(), from, record.dkimAlignment()))
            || spf != null && spf.result() == AuthResult.TEMPERROR && aligned(spf.domain(), from, record.spfAlignment());
        if (alignedTempError) {
            return new Result(Status.TEMPERROR, Optional.of(record), found.recordDomain(), applied, Policy.NONE, false, false,
                Optional.empty(), false, "an aligned DKIM or SPF check failed temporarily");
        }
        boolean sampledOut = record.testing() || random.nextInt(100) >= record.percent();
        Policy disposition = sampledOut ? applied.weaker() : applied;
        return new Result(Status.FAIL, Optional.of(record), found.recordDomain(), applied, disposition, false, false,
            Optional.empty(), sampledOut && applied != Policy.NONE, "no aligned DKIM or SPF pass");
    }

    /** p for the domain itself, sp for subdomains, np (RFC 9989) for subdomains that do not exist. */
    private Policy selectPolicy(DmarcRecord record, String from, String recordDomain) {
        if (from.equals(recordDomain)) {
            return record.policy();
        }
        if (record.explicitTags().contains("np") && !exists(from)) {
            return record.nonExistentPolicy();
        }
        return record.subdomainPolicy();
    }

    private boolean exists(String domain) {
        try {
            return !resolver.a(domain).nxdomain();
        } catch (DnsException e) {
            return true; // unknown: do not apply the stricter-or-laxer np on a guess
        }
    }

    private boolean aligned(String identifier, String from, Alignment mode) {
        if (identifier == null || identifier.isBlank()) {
            return false;
        }
        if (mode == Alignment.STRICT) {
            return String.join(".", OrganizationalDomains.labels(identifier)).equals(from);
        }
        return organizationalDomains.relaxedAligned(identifier, from);
    }
}
