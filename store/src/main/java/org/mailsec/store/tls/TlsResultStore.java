package org.mailsec.store.tls;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/** Counters of TLS outcomes per (policy domain, UTC day, key), shared by every James node using the store. */
public interface TlsResultStore {

    /** Adds the increments atomically: concurrent callers on any node add up exactly. */
    void add(Map<TlsResultKey, Long> increments);

    /** Every counter of a policy domain for a day. */
    List<TlsResultCount> results(String policyDomain, LocalDate day);

    /** What the admin API lists: a day's counters, narrowed by what is given, one page, in the SQL itself. */
    record Filter(LocalDate day, java.util.Optional<String> policyDomain, java.util.Optional<String> recipientDomain,
                  java.util.Optional<Boolean> isHost) {
    }

    /** The counters {@code filter} selects, by policy domain, one page of them. */
    List<TlsResultCount> find(Filter filter, org.mailsec.store.Page page);

    /** The policy domains with results for a day. */
    List<String> policyDomains(LocalDate day);

    /** The policy domains of a day whose results are MX hosts' own (DANE, is-host). */
    List<String> hostPolicyDomains(LocalDate day);

    /** Removes a policy domain's results for a day; returns how many counters went. */
    int delete(String policyDomain, LocalDate day);

    /** Removes results of days before {@code day} (retention: results older than 48 hours); returns how many went. */
    int deleteBefore(LocalDate day);
}
