package org.mailsec.dns;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * {@link DnsResolver} over dnsjava, validating DNSSEC inside the JVM ({@link ValidatingResolver}) from a
 * trust anchor (the IANA root by default), so DANE does not depend on an upstream resolver's AD bit.
 * Thread-safe.
 */
public final class DnssecResolver implements DnsResolver {

    private static final int MAX_CNAME_LINKS = 8;

    private final ValidatingResolver validating;
    private final Resolver upstream;

    private DnssecResolver(ValidatingResolver validating, Resolver upstream) {
        this.validating = validating;
        this.upstream = upstream;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Upstream servers, timeouts and trust anchors. */
    public static final class Builder {
        private final List<InetSocketAddress> servers = new ArrayList<>();
        private Duration timeout = Duration.ofSeconds(5);
        private int retries = 2;
        private String trustAnchors;

        /** An upstream recursive server, {@code host:port} or {@code host} (port 53). Default: resolv.conf's. */
        public Builder server(String hostPort) {
            String host = hostPort;
            int port = 53;
            int colon = hostPort.lastIndexOf(':');
            if (colon > 0 && hostPort.indexOf(':') == colon) {
                host = hostPort.substring(0, colon);
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } else if (hostPort.startsWith("[") && hostPort.contains("]:")) {
                host = hostPort.substring(1, hostPort.indexOf(']'));
                port = Integer.parseInt(hostPort.substring(hostPort.indexOf("]:") + 2));
            }
            servers.add(new InetSocketAddress(host, port));
            return this;
        }

        /** Time to wait for one answer; a lookup gives up after {@code (retries + 1) * timeout} per server. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder retries(int retries) {
            this.retries = retries;
            return this;
        }

        /** Trust anchors as DS or DNSKEY records in master-file format, replacing the bundled root anchor. */
        public Builder trustAnchors(String masterFileText) {
            this.trustAnchors = masterFileText;
            return this;
        }

        public DnssecResolver build() {
            List<InetSocketAddress> upstream = new ArrayList<>(servers);
            if (upstream.isEmpty()) {
                upstream.addAll(ResolverConfig.getCurrentConfig().servers());
            }
            if (upstream.isEmpty()) {
                throw new IllegalStateException("no DNS server configured and none found in the system configuration");
            }
            List<Resolver> heads = new ArrayList<>();
            for (InetSocketAddress server : upstream) {
                SimpleResolver simple = new SimpleResolver(server);
                simple.setTimeout(timeout);
                heads.add(simple);
            }
            ExtendedResolver head = new ExtendedResolver(heads);
            head.setRetries(retries);
            // Each server gets its attempts in turn: the whole lookup may take them all before giving up.
            Duration whole = timeout.multipliedBy((retries + 1L) * heads.size());
            head.setTimeout(whole);
            ValidatingResolver validating = new ValidatingResolver(head);
            // Validation chains a few queries (the answer, then DNSKEYs and DS up to the anchor), each of which may
            // wait out a silent first server.
            validating.setTimeout(whole.multipliedBy(4));
            try (InputStream anchors = trustAnchors != null
                    ? new ByteArrayInputStream(trustAnchors.getBytes(StandardCharsets.UTF_8))
                    : DnssecResolver.class.getResourceAsStream("root-anchors.txt")) {
                if (anchors == null) {
                    throw new IllegalStateException("bundled root trust anchor is missing from the class path");
                }
                validating.loadTrustAnchors(anchors);
            } catch (IOException e) {
                throw new IllegalArgumentException("invalid DNSSEC trust anchors: " + e.getMessage(), e);
            }
            if (validating.getTrustAnchors().items().isEmpty()) {
                throw new IllegalArgumentException("no DS or DNSKEY record in the DNSSEC trust anchors");
            }
            return new DnssecResolver(validating, head);
        }
    }

    @Override
    public DnsAnswer<String> txt(String name) throws DnsException {
        return lookup(name, Type.TXT, r -> String.join("", ((TXTRecord) r).getStrings()));
    }

    @Override
    public DnsAnswer<MxRecord> mx(String domain) throws DnsException {
        DnsAnswer<MxRecord> answer = lookup(domain, Type.MX, r -> {
            MXRecord mx = (MXRecord) r;
            return new MxRecord(mx.getPriority(), normalise(mx.getTarget()));
        });
        List<MxRecord> sorted = answer.records().stream().sorted(Comparator.comparingInt(MxRecord::preference)).toList();
        return new DnsAnswer<>(answer.name(), sorted, answer.status(), answer.nxdomain(), answer.bogusReason());
    }

    @Override
    public DnsAnswer<TlsaRecord> tlsa(String name) throws DnsException {
        return lookup(name, Type.TLSA, r -> {
            TLSARecord t = (TLSARecord) r;
            return new TlsaRecord(t.getCertificateUsage(), t.getSelector(), t.getMatchingType(),
                t.getCertificateAssociationData());
        });
    }

    @Override
    public DnsAnswer<InetAddress> a(String name) throws DnsException {
        return lookup(name, Type.A, r -> ((ARecord) r).getAddress());
    }

    @Override
    public DnsAnswer<InetAddress> aaaa(String name) throws DnsException {
        return lookup(name, Type.AAAA, r -> ((AAAARecord) r).getAddress());
    }

    @Override
    public DnsAnswer<String> cname(String name) throws DnsException {
        Name qname = toName(name);
        Message response = send(qname, Type.CNAME, name);
        List<String> targets = new ArrayList<>();
        for (Record r : response.getSection(Section.ANSWER)) {
            if (r instanceof CNAMERecord c && r.getName().equals(qname)) {
                targets.add(normalise(c.getTarget()));
            }
        }
        return new DnsAnswer<>(normalise(qname), targets, status(response), response.getRcode() == Rcode.NXDOMAIN,
            Optional.empty());
    }

    private interface Mapper<T> {
        T map(Record r);
    }

    /** Queries {@code name}, following CNAMEs across responses, keeping the weakest DNSSEC status seen. */
    private <T> DnsAnswer<T> lookup(String name, int type, Mapper<T> mapper) throws DnsException {
        Name qname = toName(name);
        Name current = qname;
        DnssecStatus weakest = DnssecStatus.SECURE;
        for (int link = 0; link <= MAX_CNAME_LINKS; link++) {
            Message response = send(current, type, name);
            int rcode = response.getRcode();
            if (rcode == Rcode.SERVFAIL) {
                Optional<String> reason = bogusReason(response);
                if (reason.isPresent() && upstreamAnswers(current, type)) {
                    return new DnsAnswer<>(normalise(qname), List.of(), DnssecStatus.BOGUS, false, reason);
                }
                throw new DnsTemporaryException(name, "DNS server failure (SERVFAIL) for " + current + " " + Type.string(type));
            }
            if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
                throw new DnsPermanentException(name, "DNS error " + Rcode.string(rcode) + " for " + current + " " + Type.string(type));
            }
            weakest = weaker(weakest, status(response));
            // Walk the answer's own CNAME chain, then collect records of the type at its end.
            List<Record> answer = response.getSection(Section.ANSWER);
            Name target = current;
            for (int hops = 0; hops <= MAX_CNAME_LINKS; hops++) {
                Name from = target;
                Optional<Name> next = answer.stream().filter(r -> r.getType() == Type.CNAME && r.getName().equals(from))
                    .map(r -> ((CNAMERecord) r).getTarget()).findFirst();
                if (next.isEmpty() || type == Type.CNAME) {
                    break;
                }
                target = next.get();
                if (target.equals(current) || target.equals(qname)) {
                    throw new DnsPermanentException(name, "CNAME loop at " + target);
                }
            }
            List<T> records = new ArrayList<>();
            for (Record r : answer) {
                if (r.getType() == type && r.getName().equals(target)) {
                    records.add(mapper.map(r));
                }
            }
            if (!records.isEmpty() || target.equals(current)) {
                return new DnsAnswer<>(normalise(qname), records, weakest, rcode == Rcode.NXDOMAIN, Optional.empty());
            }
            if (rcode == Rcode.NXDOMAIN) {
                return new DnsAnswer<>(normalise(qname), List.of(), weakest, true, Optional.empty());
            }
            current = target; // the server gave the alias only: ask for its target ourselves
        }
        throw new DnsPermanentException(name, "more than " + MAX_CNAME_LINKS + " CNAME links from " + name);
    }

    private Message send(Name qname, int type, String asked) throws DnsException {
        Message query = Message.newQuery(Record.newRecord(qname, type, DClass.IN));
        try {
            return validating.send(query);
        } catch (IOException e) {
            throw new DnsTemporaryException(asked, "no answer for " + qname + " " + Type.string(type) + ": "
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        } catch (RuntimeException e) {
            throw new DnsTemporaryException(asked, "lookup of " + qname + " " + Type.string(type) + " failed: " + e, e);
        }
    }

    /**
     * The validator reports an upstream failure and a failed validation alike (SERVFAIL with a reason); asking
     * upstream again with checking disabled tells them apart: only an answer that exists can be bogus.
     */
    private boolean upstreamAnswers(Name qname, int type) {
        Message query = Message.newQuery(Record.newRecord(qname, type, DClass.IN));
        query.getHeader().setFlag(Flags.CD);
        try {
            int rcode = upstream.send(query).getRcode();
            return rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A validation failure shows as SERVFAIL plus the validator's reason (and an RFC 8914 EDE code). */
    private static Optional<String> bogusReason(Message response) {
        for (Record r : response.getSection(Section.ADDITIONAL)) {
            if (r.getDClass() == ValidatingResolver.VALIDATION_REASON_QCLASS && r instanceof TXTRecord txt) {
                return Optional.of(String.join("", txt.getStrings()));
            }
        }
        OPTRecord opt = response.getOPT();
        if (opt != null) {
            for (EDNSOption option : opt.getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR)) {
                if (option instanceof ExtendedErrorCodeOption ede && isDnssecError(ede.getErrorCode())) {
                    return Optional.of("EDE " + ede.getErrorCode() + (ede.getText() == null ? "" : ": " + ede.getText()));
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isDnssecError(int code) {
        return code == ExtendedErrorCodeOption.DNSSEC_BOGUS || code == ExtendedErrorCodeOption.SIGNATURE_EXPIRED
            || code == ExtendedErrorCodeOption.SIGNATURE_NOT_YET_VALID || code == ExtendedErrorCodeOption.DNSSEC_INDETERMINATE
            || code == ExtendedErrorCodeOption.UNSUPPORTED_DNSKEY_ALGORITHM || code == ExtendedErrorCodeOption.UNSUPPORTED_DS_DIGEST_TYPE;
    }

    private static DnssecStatus status(Message response) {
        return response.getHeader().getFlag(Flags.AD) ? DnssecStatus.SECURE : DnssecStatus.INSECURE;
    }

    private static DnssecStatus weaker(DnssecStatus a, DnssecStatus b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    static Name toName(String name) throws InvalidNameException {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        if (n.isEmpty() || n.equals(".")) {
            throw new InvalidNameException(String.valueOf(name), "empty domain name");
        }
        if (!n.endsWith(".")) {
            n = n + ".";
        }
        if (n.length() > 254) {
            throw new InvalidNameException(name, "domain name longer than 253 characters");
        }
        for (String label : n.substring(0, n.length() - 1).split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                throw new InvalidNameException(name, "invalid label in domain name '" + name + "'");
            }
        }
        try {
            return Name.fromString(n);
        } catch (TextParseException e) {
            throw new InvalidNameException(name, "invalid domain name '" + name + "': " + e.getMessage(), e);
        }
    }

    static String normalise(Name name) {
        String s = name.toString(true).toLowerCase(Locale.ROOT);
        return s.equals(".") ? "" : s;
    }
}
