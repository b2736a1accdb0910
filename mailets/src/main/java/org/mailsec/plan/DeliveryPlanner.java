package org.mailsec.plan;

import org.mailsec.tlsrpt.PolicyType;
import org.mailsec.outcome.ReportPolicy;
import org.mailsec.outcome.TlsFailures;
import org.mailsec.outcome.TlsOutcomes;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.mailsec.dane.TlsPolicy;
import org.mailsec.plan.HostPlan.Enforcement;
import org.mailsec.dane.TlsaMatcher;
import org.mailsec.dns.DnsAnswer;
import org.mailsec.dns.DnsException;
import org.mailsec.dns.DnsResolver;
import org.mailsec.dns.DomainNames;
import org.mailsec.dns.DnssecStatus;
import org.mailsec.dns.MxRecord;
import org.mailsec.dns.TlsaRecord;
import org.mailsec.mtasts.MtaStsPolicy;
import org.mailsec.mtasts.PolicyFetch;
import org.mailsec.record.RecordException;
import org.mailsec.stspolicy.MtaStsPolicies;
import org.mailsec.stspolicy.StsDecision;
import org.mailsec.tlsrpt.ResultType;
import org.mailsec.tlsrpt.TlsRptLookup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, before any connection, which MX hosts of a recipient domain may be used and how:
 * DANE (RFC 7672) for hosts with a DNSSEC-secure TLSA RRset, else the domain's MTA-STS policy (RFC 8461),
 * else opportunistic STARTTLS. Hosts that must not be used are recorded as TLS failures here.
 */
public final class DeliveryPlanner {

    /**
     * @param port         the SMTP port of MX hosts (25; tests use another)
     * @param dane         apply DANE
     * @param mtaSts       apply MTA-STS
     * @param daneRequired recipient domains whose every MX host must have DANE (RFC 8460 dane-required)
     */
    public record Settings(int port, boolean dane, boolean mtaSts, Set<String> daneRequired) {
        public Settings {
            daneRequired = Set.copyOf(daneRequired);
        }

        public static Settings defaults() {
            return new Settings(25, true, true, Set.of());
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryPlanner.class);
    private static final TlsOutcomes.Connection NO_CONNECTION = new TlsOutcomes.Connection("", "", "");

    private final DnsResolver resolver;
    private final MtaStsPolicies policies;
    /** The reason code of a host a REQUIRETLS mail may not go to: its MX is neither DNSSEC-secure nor MTA-STS's. */
    public static final String REQUIRETLS_MX_NOT_AUTHENTICATED = "requiretls-mx-not-authenticated";
    private final TlsRptLookup tlsRpt;
    private final TlsOutcomes outcomes;
    private final Settings settings;

    public DeliveryPlanner(DnsResolver resolver, MtaStsPolicies policies, TlsOutcomes outcomes, Settings settings) {
        this.resolver = resolver;
        this.policies = policies;
        this.tlsRpt = new TlsRptLookup(resolver);
        this.outcomes = outcomes;
        this.settings = settings;
    }

    public DeliveryPlan plan(String recipientDomain, DeliveryFlags flags) {
        String domain = DomainNames.normalise(recipientDomain);
        StsDecision sts = settings.mtaSts() ? policies.decide(domain) : StsDecision.NONE;
        DeliveryPlan plan = plan(domain, sts, flags);
        Optional<TlsFailures.Failure> stsFailure = stsFailure(sts);
        if (stsFailure.isPresent() && plan.hosts().stream().noneMatch(h -> h.report().sessionsCountAs().equals(stsFailure))) {
            // No host carries the failure to a session (the delivery waits for an unknown policy, every host uses
            // DANE or is refused, or none was found): counted here, once, so the domain still learns of it.
            outcomes.failure(ReportPolicy.stsUnavailable(domain, stsFailure.get(), hasTlsRpt(domain)), domain,
                flags.ownReport(), stsFailure.get().type(), stsFailure.get().reasonCode(), NO_CONNECTION);
        }
        return plan;
    }

    /** The MTA-STS failure sessions without a policy are counted as: a failed fetch, or an unknown policy. */
    private static Optional<TlsFailures.Failure> stsFailure(StsDecision sts) {
        Optional<PolicyFetch> failed = sts.fetchFailure().filter(f -> f.resultType().isPresent());
        if (failed.isPresent()) {
            return Optional.of(new TlsFailures.Failure(failed.get().resultType().get(), failed.get().reason()));
        }
        return sts.unknown().map(u -> new TlsFailures.Failure(ResultType.STS_POLICY_FETCH_ERROR, "policy-unknown"));
    }

    private DeliveryPlan plan(String domain, StsDecision sts, DeliveryFlags flags) {
        if (sts.unknown().isPresent() && !flags.policyFailuresIgnored()) {
            return DeliveryPlan.failed(domain, sts, flags, sts.unknown().get(), false);
        }

        DnsAnswer<MxRecord> mx;
        try {
            mx = resolver.mx(domain);
        } catch (DnsException e) {
            return DeliveryPlan.failed(domain, sts, flags, "MX lookup of " + domain + " failed: " + e.getMessage(), false);
        }
        if (mx.status() == DnssecStatus.BOGUS) {
            // RFC 8460 §4.3.2 dnssec-invalid: no valid MX records came back. Counted under the policy in force.
            outcomes.failure(sts.policy().map(p -> stsReport(domain, p, hasTlsRpt(domain)))
                    .orElseGet(() -> noPolicy(domain, hasTlsRpt(domain))), domain, flags.ownReport(),
                ResultType.DNSSEC_INVALID, "mx-bogus", NO_CONNECTION);
            return DeliveryPlan.failed(domain, sts, flags, "MX records of " + domain + " fail DNSSEC validation: "
                + mx.bogusReason().orElse("bogus"), false);
        }
        if (mx.nxdomain()) {
            return DeliveryPlan.failed(domain, sts, flags, "domain " + domain + " does not exist (NXDOMAIN)", true);
        }
        if (mx.records().size() == 1 && mx.records().get(0).host().equals(".")) {
            return DeliveryPlan.failed(domain, sts, flags, domain + " accepts no mail (null MX, RFC 7505)", true);
        }
        List<String> names = mx.isEmpty() ? List.of(domain) : orderedHosts(mx.records());

        boolean domainTlsRpt = hasTlsRpt(domain);
        List<HostPlan> hosts = new ArrayList<>();
        List<String> unanswered = new ArrayList<>();
        for (String name : names) {
            planHost(domain, name, mx.secure(), sts, flags, domainTlsRpt, unanswered).ifPresent(hosts::add);
        }
        if (hosts.isEmpty() && !unanswered.isEmpty()) {
            // Hosts skipped because DNS did not answer may well exist: James would bounce a plan without hosts.
            return DeliveryPlan.failed(domain, sts, flags, "the addresses of the MX hosts of " + domain
                + " could not be looked up: " + String.join("; ", unanswered), false);
        }
        return new DeliveryPlan(domain, sts, hosts, flags, Optional.empty(), false, unanswered);
    }

    /**
     * A host's addresses, one family at a time. A family whose lookup is indeterminate (SERVFAIL, timeout,
     * bogus) gives no address; {@code indeterminate} says why, so DANE is still decided from what was learnt.
     * {@code secure} holds the addresses of families that validated as secure (RFC 7672 §2.2.2 applies DANE
     * to those); a family proven absent by a signed zone takes nothing away.
     */
    private record Addresses(List<InetAddress> usable, List<InetAddress> secure, Optional<String> indeterminate) {
    }

    private Addresses addresses(String mx) {
        List<InetAddress> usable = new ArrayList<>();
        List<InetAddress> secure = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (boolean v6 : new boolean[] {false, true}) {
            String type = v6 ? "AAAA" : "A";
            try {
                DnsAnswer<InetAddress> answer = v6 ? resolver.aaaa(mx) : resolver.a(mx);
                if (answer.status() == DnssecStatus.BOGUS) {
                    problems.add(type + " records fail DNSSEC validation (" + answer.bogusReason().orElse("bogus") + ")");
                    continue;
                }
                usable.addAll(answer.records());
                if (answer.secure()) {
                    secure.addAll(answer.records());
                }
            } catch (DnsException e) {
                problems.add(type + " lookup failed (" + e.getMessage() + ")");
            }
        }
        return new Addresses(usable, secure, problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems)));
    }

    /** {@code unanswered} collects hosts skipped because their address lookups were indeterminate. */
    private Optional<HostPlan> planHost(String domain, String mx, boolean mxSecure, StsDecision sts, DeliveryFlags flags,
                                        boolean domainTlsRpt, List<String> unanswered) {
        Addresses found = addresses(mx);
        List<InetAddress> addresses = found.usable();
        if (found.indeterminate().isPresent()) {
            // RFC 7672 §2.2.2: DANE applies below secure addresses. A family that could not be looked up must not
            // make the host look insecure (that would skip DANE and could even allow plaintext): DANE is decided
            // from the families that answered, and only their addresses are used.
            String why = found.indeterminate().get();
            if (addresses.isEmpty()) {
                if (mxSecure && settings.dane() && !flags.policyFailuresIgnored()) {
                    return Optional.of(refuse(domain, mx, addresses, new ReportPolicy(mx, true, PolicyType.TLSA, List.of(),
                        "", domainTlsRpt || hasTlsRpt(mx)), flags, ResultType.DNSSEC_INVALID, "address-lookup-failed",
                        "the addresses of " + mx + " could not be determined: " + why));
                }
                LOG.info("MX host {} of {} skipped: {}", mx, domain, why);
                unanswered.add(mx + ": " + why);
                return Optional.empty();
            }
            LOG.info("MX host {} of {}: {}; using its other addresses only", mx, domain, why);
        }
        if (addresses.isEmpty()) {
            LOG.info("MX host {} of {} skipped: it has no address", mx, domain);
            return Optional.empty();
        }

        // DANE first: it applies per host, and only where the chain from the MX lookup down is secure.
        // A host with secure and insecure addresses (one family behind an unsigned CNAME target): DANE over the
        // secure ones only, since the insecure ones could be anyone's and would be used without DANE.
        Optional<HostPlan> dane = settings.dane() && mxSecure && !found.secure().isEmpty()
            ? planDane(domain, mx, found.secure(), flags, domainTlsRpt) : Optional.empty();
        if (dane.isPresent()) {
            return dane;
        }
        if (settings.daneRequired().contains(domain) && !flags.policyFailuresIgnored()) {
            return Optional.of(refuse(domain, mx, addresses, noPolicy(domain, domainTlsRpt), flags,
                ResultType.DANE_REQUIRED, "no-secure-tlsa", "DANE is required for " + domain + " but " + mx
                    + " has no DNSSEC-secure TLSA records"));
        }
        if (sts.policy().isPresent()) {
            MtaStsPolicy policy = sts.policy().get();
            ReportPolicy report = stsReport(domain, policy, domainTlsRpt);
            boolean enforce = sts.enforce() && !flags.policyFailuresIgnored();
            if (!policy.matches(mx)) {
                String message = mx + " is not an MX host allowed by the MTA-STS policy of " + domain;
                if (enforce) {
                    return Optional.of(refuse(domain, mx, addresses, report, flags, ResultType.VALIDATION_FAILURE,
                        "mx-not-in-policy", message));
                }
                if (flags.requireTls() && !mxSecure) {
                    // RFC 8689 §4.2.1: neither DNSSEC nor the MTA-STS policy (whatever its mode) vouches for this MX.
                    return Optional.of(refuse(domain, mx, addresses, report, flags, ResultType.VALIDATION_FAILURE,
                        REQUIRETLS_MX_NOT_AUTHENTICATED, "REQUIRETLS: " + message));
                }
                // Testing mode: the session goes on, and is counted once, as this failure.
                report = report.countingSessionsAs(new TlsFailures.Failure(ResultType.VALIDATION_FAILURE, "mx-not-in-policy"));
            }
            return Optional.of(HostPlan.connect(mx, addresses, settings.port(), new TlsPolicy.Pkix(mx),
                enforce || flags.requireTls() ? Enforcement.REQUIRED : Enforcement.REPORT_ONLY, report));
        }
        ReportPolicy report = withoutPolicy(domain, sts, domainTlsRpt);
        if (flags.requireTls()) {
            if (!mxSecure) {
                // RFC 8689 §4.2.1: the MX must be authenticated by DNSSEC or an MTA-STS policy.
                return Optional.of(refuse(domain, mx, addresses, report, flags, ResultType.VALIDATION_FAILURE,
                    REQUIRETLS_MX_NOT_AUTHENTICATED, "REQUIRETLS: " + mx + " is neither DNSSEC-secure nor allowed by an MTA-STS policy"));
            }
            return Optional.of(HostPlan.connect(mx, addresses, settings.port(), new TlsPolicy.Pkix(mx),
                Enforcement.REQUIRED, report));
        }
        return Optional.of(HostPlan.opportunistic(mx, addresses, settings.port(), report));
    }

    private Optional<HostPlan> planDane(String domain, String mx, List<InetAddress> addresses, DeliveryFlags flags,
                                        boolean domainTlsRpt) {
        String tlsaName = "_" + settings.port() + "._tcp." + mx;
        // A host's DANE results go into the recipient domain's report and the host's own: successes are worth
        // counting when either publishes TLSRPT (the report run gives each report the sessions that are its).
        boolean successesReported = domainTlsRpt || hasTlsRpt(mx);
        ReportPolicy unknown = new ReportPolicy(mx, true, PolicyType.TLSA, List.of(), "", successesReported);
        DnsAnswer<TlsaRecord> tlsa;
        try {
            tlsa = resolver.tlsa(tlsaName);
        } catch (DnsException e) {
            // RFC 7672 §2.2: a failed TLSA lookup of a secure host could hide DANE; the host is not used
            // (TLS-Required: No goes on without DANE, the failure still counted).
            return tlsaUnknown(domain, mx, addresses, unknown, flags, e.isTemporary() ? "tlsa-lookup-failed" : "tlsa-lookup-error",
                "TLSA lookup of " + tlsaName + " failed: " + e.getMessage());
        }
        if (tlsa.status() == DnssecStatus.BOGUS) {
            return tlsaUnknown(domain, mx, addresses, unknown, flags, "tlsa-bogus",
                "TLSA records of " + tlsaName + " fail DNSSEC validation: " + tlsa.bogusReason().orElse("bogus"));
        }
        if (!tlsa.secure() || tlsa.isEmpty()) {
            return Optional.empty();
        }
        List<String> published = tlsa.records().stream().map(TlsaMatcher::format).toList();
        ReportPolicy report = new ReportPolicy(mx, true, PolicyType.TLSA, published, "", successesReported);
        List<TlsaRecord> usable = TlsaMatcher.usableRecords(tlsa.records());
        boolean strict = !flags.policyFailuresIgnored();
        if (usable.isEmpty()) {
            // RFC 7672 §2.2: only unusable records: TLS is still mandatory, but unauthenticated — except under
            // REQUIRETLS, whose server must be verified by PKIX when DANE cannot (RFC 8689 §4.2.1); the MX name
            // is DNSSEC-secure here, so it is the name to check. Each session counts once, as tlsa-invalid.
            TlsPolicy policy = flags.requireTls() ? new TlsPolicy.Pkix(mx) : new TlsPolicy.Opportunistic(mx);
            return Optional.of(HostPlan.connect(mx, addresses, settings.port(), policy,
                strict ? Enforcement.REQUIRED : Enforcement.OPPORTUNISTIC,
                report.countingSessionsAs(new TlsFailures.Failure(ResultType.TLSA_INVALID, "no-usable-tlsa"))));
        }
        return Optional.of(HostPlan.connect(mx, addresses, settings.port(), new TlsPolicy.Dane(usable, List.of(mx, domain)),
            strict ? Enforcement.REQUIRED : Enforcement.REPORT_ONLY, report));
    }

    private Optional<HostPlan> tlsaUnknown(String domain, String mx, List<InetAddress> addresses, ReportPolicy report,
                                           DeliveryFlags flags, String reason, String message) {
        if (flags.policyFailuresIgnored()) {
            outcomes.failure(report, domain, flags.ownReport(), ResultType.DNSSEC_INVALID, reason,
                new TlsOutcomes.Connection(mx, "", ""));
            return Optional.empty();
        }
        return Optional.of(refuse(domain, mx, addresses, report, flags, ResultType.DNSSEC_INVALID, reason, message));
    }

    private HostPlan refuse(String domain, String mx, List<InetAddress> addresses, ReportPolicy report, DeliveryFlags flags,
                            ResultType type, String reason, String message) {
        outcomes.failure(report, domain, flags.ownReport(), type, reason, new TlsOutcomes.Connection(mx, "", ""));
        return HostPlan.refused(mx, addresses, settings.port(), new HostPlan.Refusal(type, reason, message), report);
    }

    /**
     * What a host is counted under when no MTA-STS policy is in force. A failed fetch (or, under TLS-Required: No,
     * a policy that could not be told) is counted with each session that follows it, once, not also at planning:
     * one delivery would otherwise show as an sts failure and a no-policy-found success (RFC 8460 §4.3.2.2 puts
     * the fetch failure under the sts policy it hid).
     */
    private ReportPolicy withoutPolicy(String domain, StsDecision sts, boolean domainTlsRpt) {
        return stsFailure(sts).map(failure -> ReportPolicy.stsUnavailable(domain, failure, domainTlsRpt))
            .orElseGet(() -> noPolicy(domain, domainTlsRpt));
    }

    private static ReportPolicy stsReport(String domain, MtaStsPolicy policy, boolean domainTlsRpt) {
        return new ReportPolicy(domain, false, PolicyType.STS, policy.lines(), String.join(" ", policy.mx()), domainTlsRpt);
    }

    private ReportPolicy noPolicy(String domain, boolean domainTlsRpt) {
        return new ReportPolicy(domain, false, PolicyType.NO_POLICY_FOUND, List.of(), "", domainTlsRpt);
    }

    private boolean hasTlsRpt(String domain) {
        try {
            tlsRpt.lookup(domain);
            return true;
        } catch (RecordException e) {
            return false;
        }
    }

    /** By preference; hosts of equal preference in random order (RFC 5321 §5.1). */
    private static List<String> orderedHosts(List<MxRecord> records) {
        List<MxRecord> shuffled = new ArrayList<>(records);
        Collections.shuffle(shuffled, ThreadLocalRandom.current());
        shuffled.sort((x, y) -> Integer.compare(x.preference(), y.preference()));
        List<String> names = new ArrayList<>();
        for (MxRecord r : shuffled) {
            String host = DomainNames.normalise(r.host());
            if (!host.isEmpty() && !names.contains(host)) {
                names.add(host);
            }
        }
        return names;
    }
}
