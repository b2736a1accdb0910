package org.mailsec.dns;

import java.net.InetAddress;

/**
 * The DNS lookups mailsec needs, each answer carrying its DNSSEC status.
 *
 * <p>Names are absolute or relative domain names ("example.com" and "example.com." are the same).
 * A name that does not exist (NXDOMAIN) or has no record of the type (NODATA) is not an error: the
 * answer is empty and {@link DnsAnswer#nxdomain()} tells which. Failures throw
 * {@link DnsTemporaryException} (SERVFAIL, timeout, network: try again later) or
 * {@link DnsPermanentException} (REFUSED, FORMERR, malformed name: trying again will not help).
 * An answer that failed DNSSEC validation is returned with status {@link DnssecStatus#BOGUS}, no
 * records and the validator's reason: callers decide what bogus means for their protocol.
 *
 * <p>CNAME chains are followed for every record type (a bounded number of links); the answer's name
 * stays the queried name and its status is the weakest status along the chain.
 */
public interface DnsResolver {

    /** TXT records; the character-strings of one record are concatenated without separators (RFC 7208 §3.3). */
    DnsAnswer<String> txt(String name) throws DnsException;

    /** MX records sorted by preference (lowest first); RFC 7505 null MX is returned as-is (host "."). */
    DnsAnswer<MxRecord> mx(String domain) throws DnsException;

    /** TLSA records at {@code name}, e.g. {@code _25._tcp.mx.example.com}. */
    DnsAnswer<TlsaRecord> tlsa(String name) throws DnsException;

    DnsAnswer<InetAddress> a(String name) throws DnsException;

    DnsAnswer<InetAddress> aaaa(String name) throws DnsException;

    /** The CNAME target of {@code name}, if it is an alias (at most one record). */
    DnsAnswer<String> cname(String name) throws DnsException;
}
