package org.mailsec.store.dmarc;

import java.time.Instant;
import java.util.List;

/** DMARC evaluations waiting to be reported to their policy domain's rua. */
public interface Evaluations {

    /** Stores an evaluation; returns it with its id. */
    Evaluation add(Evaluation evaluation);

    /** Stores several evaluations in one transaction: all of them, or none (a mail's, one per recipient domain). */
    void addAll(List<Evaluation> evaluations);

    /** Policy domains with evaluations. */
    List<String> policyDomains();

    /**
     * Policy domains with at least one evaluation before {@code until} that is not optional (only those get a report),
     * each with the shortest report interval its evaluations asked for, in hours.
     */
    List<Pending> pending(Instant until);

    /** One line of {@link #pending}. */
    record Pending(String policyDomain, int intervalHours) {
    }

    /** A policy domain's evaluations made before {@code until}, oldest first. */
    List<Evaluation> forDomain(String policyDomain, Instant until);

    /** Removes a policy domain's evaluations made before {@code until} (after its report was sent). */
    int deleteForDomain(String policyDomain, Instant until);

    /** Whether a policy domain has an evaluation of a message we accepted (not rejected), of any age. */
    boolean anyAccepted(String policyDomain);

    /** Per policy domain and disposition: how many evaluations, and how many of them optional. */
    List<Count> counts();

    /** One line of {@link #counts()}. */
    record Count(String policyDomain, String disposition, long evaluations, long optional) {
    }

    /** Retention: removes evaluations older than {@code cutoff} whatever their domain. */
    int deleteBefore(Instant cutoff);
}
