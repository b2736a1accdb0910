package org.mailsec.dns.testing;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.mailsec.dns.DnssecResolver;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Master;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A DNS server on 127.0.0.1 (UDP and TCP, one port) for tests: it answers as a recursive resolver would
 * for the zones it is given, signs zones on request (ECDSA P-256, NSEC denial) and can be told to fail.
 *
 * <pre>
 * try (LoopbackDnsServer dns = LoopbackDnsServer.start()) {
 *     dns.addSignedZone("example.com", "@ SOA ns hostmaster 1 3600 600 86400 300\n@ MX 10 mx\nmx A 127.0.0.1\n");
 *     dns.addZone("example.org", "@ SOA ns hostmaster 1 3600 600 86400 300\n@ TXT \"hello\"\n");
 *     DnsResolver resolver = dns.resolver();          // validates from the signed zones' anchors
 *     dns.breakSignature("example.com", "MX");        // that RRset now validates as BOGUS
 *     dns.servfail("example.org");                    // answers SERVFAIL for that name
 *     dns.dropQueries("example.org");                 // never answers (a timeout)
 * }
 * </pre>
 *
 * <p>Each signed zone is its own trust anchor (see {@link #trustAnchorText()}); names outside signed zones
 * validate as insecure. Zone text is master-file format relative to the origin; a default TTL of 300 applies.
 */
public final class LoopbackDnsServer implements AutoCloseable {

    private static final long TTL = 300;

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "loopback-dns");
        t.setDaemon(true);
        return t;
    });
    private final List<Zone> zones = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private final Set<String> dropped = ConcurrentHashMap.newKeySet();
    private final AtomicInteger queries = new AtomicInteger();
    private volatile int udpLimit = 0;
    private volatile boolean closed;

    private LoopbackDnsServer(DatagramSocket udp, ServerSocket tcp) {
        this.udp = udp;
        this.tcp = tcp;
        workers.execute(this::serveUdp);
        workers.execute(this::serveTcp);
    }

    /** Binds UDP and TCP on the same free port of 127.0.0.1. */
    public static LoopbackDnsServer start() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        for (int attempt = 0; attempt < 20; attempt++) {
            DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
            try {
                ServerSocket tcp = new ServerSocket();
                tcp.bind(new InetSocketAddress(loopback, udp.getLocalPort()));
                return new LoopbackDnsServer(udp, tcp);
            } catch (IOException portTakenForTcp) {
                udp.close();
            }
        }
        throw new IOException("no free port for UDP and TCP on 127.0.0.1");
    }

    public int port() {
        return udp.getLocalPort();
    }

    /** {@code 127.0.0.1:port}, as {@code mailsec check --dns} takes it. */
    public String hostPort() {
        return "127.0.0.1:" + port();
    }

    /** Queries received so far (UDP and TCP). */
    public int queryCount() {
        return queries.get();
    }

    /** An unsigned zone: its names validate as insecure. A zone of the same origin is replaced. */
    public LoopbackDnsServer addZone(String origin, String zoneText) throws IOException {
        Name apex = name(origin);
        List<Record> records = parse(origin, zoneText);
        zones.removeIf(z -> z.origin.equals(apex));
        zones.add(new Zone(apex, records, null));
        return this;
    }

    /** A zone signed now with a fresh key; the key becomes a trust anchor of {@link #resolver()}. */
    public LoopbackDnsServer addSignedZone(String origin, String zoneText) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair keys = generator.generateKeyPair();
            Name apex = name(origin);
            DNSKEYRecord dnskey = new DNSKEYRecord(apex, DClass.IN, TTL, 257, DNSKEYRecord.Protocol.DNSSEC,
                DNSSEC.Algorithm.ECDSAP256SHA256, keys.getPublic());
            List<Record> records = parse(origin, zoneText);
            records.add(dnskey);
            zones.add(new Zone(apex, records, new Signer(dnskey, keys)));
            return this;
        } catch (java.security.GeneralSecurityException | DNSSEC.DNSSECException e) {
            throw new IOException("cannot make a DNSSEC key", e);
        }
    }

    /** Corrupts the signature of one RRset (e.g. {@code breakSignature("_25._tcp.mx.example.com", "TLSA")}). */
    public void breakSignature(String owner, String type) {
        Name n = name(owner);
        int t = Type.value(type);
        zones.stream().filter(z -> n.subdomain(z.origin) && z.signer != null).forEach(z -> z.broken.add(n + "/" + t));
    }

    /** Queries for this name (any type) are answered SERVFAIL. */
    public void servfail(String owner) {
        failures.put(name(owner).toString(), Rcode.SERVFAIL);
    }

    /** Queries for this name and type only (e.g. {@code "AAAA"}) are answered SERVFAIL. */
    public void servfail(String owner, String type) {
        answerWith(owner, type, "SERVFAIL");
    }

    /** Queries for this name and type are answered with this rcode ({@code "REFUSED"}, {@code "FORMERR"}, ...). */
    public void answerWith(String owner, String type, String rcode) {
        failures.put(name(owner) + "/" + Type.value(type), Rcode.value(rcode));
    }

    /** Queries for this name (any type) get no answer at all. */
    public void dropQueries(String owner) {
        dropped.add(name(owner).toString());
    }

    /** Queries for this name and type only get no answer at all. */
    public void dropQueries(String owner, String type) {
        dropped.add(name(owner) + "/" + Type.value(type));
    }

    /** Undoes {@link #servfail}, {@link #answerWith}, {@link #dropQueries} and {@link #breakSignature}. */
    public void heal() {
        failures.clear();
        dropped.clear();
        zones.forEach(z -> z.broken.clear());
    }

    /** Truncate UDP answers larger than this many bytes (0: use the client's EDNS size), to force TCP. */
    public void limitUdpAnswers(int bytes) {
        this.udpLimit = bytes;
    }

    /** The signed zones' keys as DNSKEY records in master-file format: the test trust anchors. */
    public String trustAnchorText() {
        StringBuilder sb = new StringBuilder();
        for (Zone z : zones) {
            if (z.signer != null) {
                sb.append(z.signer.dnskey).append('\n');
            }
        }
        return sb.toString();
    }

    /** The signed zones' keys as DS records. */
    public List<String> dsRecords() {
        List<String> out = new ArrayList<>();
        for (Zone z : zones) {
            if (z.signer != null) {
                out.add(new DSRecord(z.origin, DClass.IN, TTL, DNSSEC.Digest.SHA256, z.signer.dnskey).toString());
            }
        }
        return out;
    }

    /** A validating resolver using this server, the signed zones as anchors, and short timeouts. */
    public DnssecResolver resolver() {
        String anchors = trustAnchorText();
        DnssecResolver.Builder builder = DnssecResolver.builder().server(hostPort())
            .timeout(Duration.ofMillis(700)).retries(1);
        // Without a signed zone, an anchor nobody uses keeps every answer "insecure".
        builder.trustAnchors(anchors.isEmpty() ? ". IN DS 1 13 2 " + "00".repeat(32) : anchors);
        return builder.build();
    }

    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException e) {
            // closing anyway
        }
        workers.shutdownNow();
    }

    // ---------------------------------------------------------------- serving

    private void serveUdp() {
        byte[] buffer = new byte[65_535];
        while (!closed) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                udp.receive(packet);
                byte[] query = java.util.Arrays.copyOf(packet.getData(), packet.getLength());
                InetAddress client = packet.getAddress();
                int clientPort = packet.getPort();
                workers.execute(() -> {
                    byte[] answer = answer(query, true);
                    if (answer != null) {
                        try {
                            udp.send(new DatagramPacket(answer, answer.length, client, clientPort));
                        } catch (IOException e) {
                            // client gone
                        }
                    }
                });
            } catch (SocketException e) {
                return;
            } catch (IOException e) {
                // one bad packet: keep serving
            }
        }
    }

    private void serveTcp() {
        while (!closed) {
            try {
                Socket socket = tcp.accept();
                workers.execute(() -> serveTcpConnection(socket));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void serveTcpConnection(Socket socket) {
        try (socket; DataInputStream in = new DataInputStream(socket.getInputStream());
             DataOutputStream out = new DataOutputStream(socket.getOutputStream())) {
            socket.setSoTimeout(5_000);
            while (true) {
                int length = in.readUnsignedShort();
                byte[] query = in.readNBytes(length);
                byte[] answer = answer(query, false);
                if (answer == null) {
                    return;
                }
                out.writeShort(answer.length);
                out.write(answer);
                out.flush();
            }
        } catch (IOException e) {
            // connection closed by the client
        }
    }

    private byte[] answer(byte[] queryBytes, boolean overUdp) {
        queries.incrementAndGet();
        Message query;
        try {
            query = new Message(queryBytes);
        } catch (IOException e) {
            return null;
        }
        Record question = query.getQuestion();
        if (question == null) {
            return null;
        }
        Name qname = question.getName();
        String typed = qname + "/" + question.getType();
        if (dropped.contains(qname.toString()) || dropped.contains(typed)) {
            return null;
        }
        Message response = new Message(query.getHeader().getID());
        Header header = response.getHeader();
        header.setFlag(Flags.QR);
        header.setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) {
            header.setFlag(Flags.RD);
        }
        header.setOpcode(Opcode.QUERY);
        response.addRecord(question, Section.QUESTION);
        OPTRecord opt = query.getOPT();
        boolean dnssecOk = opt != null && (opt.getFlags() & org.xbill.DNS.ExtendedFlags.DO) != 0;
        if (opt != null) {
            response.addRecord(new OPTRecord(4096, 0, 0, dnssecOk ? org.xbill.DNS.ExtendedFlags.DO : 0), Section.ADDITIONAL);
        }
        Integer failure = failures.getOrDefault(typed, failures.get(qname.toString()));
        if (failure != null) {
            header.setRcode(failure);
        } else {
            resolve(response, qname, question.getType(), dnssecOk);
        }
        byte[] wire = response.toWire();
        int limit = udpLimit > 0 ? udpLimit : opt != null ? Math.max(512, opt.getPayloadSize()) : 512;
        if (overUdp && wire.length > limit) {
            Message truncated = new Message(query.getHeader().getID());
            truncated.getHeader().setFlag(Flags.QR);
            truncated.getHeader().setFlag(Flags.TC);
            truncated.getHeader().setFlag(Flags.RA);
            truncated.addRecord(question, Section.QUESTION);
            return truncated.toWire();
        }
        return wire;
    }

    /** Fills the response as a recursive resolver would: answers, CNAME chasing, signed denial. */
    private void resolve(Message response, Name qname, int qtype, boolean dnssecOk) {
        Name current = qname;
        for (int hops = 0; hops < 10; hops++) {
            Zone zone = zoneFor(current);
            if (zone == null) {
                response.getHeader().setRcode(hops == 0 ? Rcode.NXDOMAIN : Rcode.NOERROR);
                return;
            }
            RRset answer = zone.rrset(current, qtype);
            if (answer != null) {
                zone.add(response, Section.ANSWER, answer, dnssecOk);
                return;
            }
            RRset alias = qtype == Type.CNAME ? null : zone.rrset(current, Type.CNAME);
            if (alias != null) {
                zone.add(response, Section.ANSWER, alias, dnssecOk);
                current = ((org.xbill.DNS.CNAMERecord) alias.first()).getTarget();
                continue;
            }
            zone.deny(response, current, dnssecOk);
            return;
        }
        // A CNAME loop or an overlong chain: recursive resolvers give up with SERVFAIL.
        response.removeAllRecords(Section.ANSWER);
        response.getHeader().setRcode(Rcode.SERVFAIL);
    }

    private Zone zoneFor(Name name) {
        Zone best = null;
        for (Zone z : zones) {
            if (name.subdomain(z.origin) && (best == null || z.origin.labels() > best.origin.labels())) {
                best = z;
            }
        }
        return best;
    }

    private static Name name(String s) {
        try {
            return Name.fromString(s.endsWith(".") ? s : s + ".");
        } catch (org.xbill.DNS.TextParseException e) {
            throw new IllegalArgumentException("invalid name " + s, e);
        }
    }

    private static List<Record> parse(String origin, String text) throws IOException {
        List<Record> records = new ArrayList<>();
        try (Master master = new Master(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), name(origin), TTL)) {
            Record r;
            while ((r = master.nextRecord()) != null) {
                records.add(r);
            }
        }
        return records;
    }

    // ---------------------------------------------------------------- zones

    private record Signer(DNSKEYRecord dnskey, KeyPair keys) {
    }

    private static final class Zone {
        final Name origin;
        final Signer signer;
        final NavigableMap<Name, Map<Integer, RRset>> names = new TreeMap<>();
        final Set<String> broken = ConcurrentHashMap.newKeySet();
        final Map<String, RRSIGRecord> signatures = new ConcurrentHashMap<>();

        Zone(Name origin, List<Record> records, Signer signer) throws IOException {
            this.origin = origin;
            this.signer = signer;
            for (Record r : records) {
                if (!r.getName().subdomain(origin)) {
                    throw new IOException(r.getName() + " is outside zone " + origin);
                }
                names.computeIfAbsent(r.getName(), n -> new TreeMap<>())
                    .computeIfAbsent(r.getType(), t -> new RRset()).addRR(r);
            }
            if (rrset(origin, Type.SOA) == null) {
                Record soa = new SOARecord(origin, DClass.IN, TTL, new Name("ns", origin), new Name("hostmaster", origin),
                    1, 3600, 600, 86400, TTL);
                names.computeIfAbsent(origin, n -> new TreeMap<>()).computeIfAbsent(Type.SOA, t -> new RRset()).addRR(soa);
            }
            if (signer != null) {
                addNsecChain();
            }
        }

        private void addNsecChain() {
            List<Name> owners = new ArrayList<>(names.keySet());
            for (int i = 0; i < owners.size(); i++) {
                Name owner = owners.get(i);
                Name next = owners.get((i + 1) % owners.size());
                List<Integer> types = new ArrayList<>(names.get(owner).keySet());
                types.add(Type.NSEC);
                types.add(Type.RRSIG);
                NSECRecord nsec = new NSECRecord(owner, DClass.IN, TTL, next, types.stream().mapToInt(Integer::intValue).toArray());
                names.get(owner).computeIfAbsent(Type.NSEC, t -> new RRset()).addRR(nsec);
            }
        }

        RRset rrset(Name name, int type) {
            Map<Integer, RRset> byType = names.get(name);
            return byType == null ? null : byType.get(type);
        }

        boolean exists(Name name) {
            Name ceiling = names.ceilingKey(name);
            return ceiling != null && ceiling.subdomain(name);
        }

        void add(Message response, int section, RRset rrset, boolean dnssecOk) {
            rrset.rrs().forEach(r -> response.addRecord(r, section));
            if (dnssecOk && signer != null) {
                response.addRecord(signature(rrset), section);
            }
        }

        private RRSIGRecord signature(RRset rrset) {
            String key = rrset.getName() + "/" + rrset.getType();
            RRSIGRecord good = signatures.computeIfAbsent(key, k -> sign(rrset));
            if (!broken.contains(key)) {
                return good;
            }
            byte[] sig = good.getSignature().clone();
            sig[sig.length / 2] ^= 0x5a;
            return new RRSIGRecord(good.getName(), good.getDClass(), good.getTTL(), good.getTypeCovered(),
                good.getAlgorithm(), good.getOrigTTL(), good.getExpire(), good.getTimeSigned(), good.getFootprint(),
                good.getSigner(), sig);
        }

        private RRSIGRecord sign(RRset rrset) {
            try {
                Instant now = Instant.now();
                return DNSSEC.sign(rrset, signer.dnskey, signer.keys.getPrivate(), now.minus(Duration.ofHours(1)),
                    now.plus(Duration.ofDays(7)));
            } catch (DNSSEC.DNSSECException e) {
                throw new IllegalStateException("cannot sign " + rrset.getName(), e);
            }
        }

        /** NODATA or NXDOMAIN, with the SOA and (when signed) the NSEC proofs. */
        void deny(Message response, Name qname, boolean dnssecOk) {
            boolean exists = exists(qname);
            response.getHeader().setRcode(exists ? Rcode.NOERROR : Rcode.NXDOMAIN);
            add(response, Section.AUTHORITY, rrset(origin, Type.SOA), dnssecOk);
            if (!dnssecOk || signer == null) {
                return;
            }
            List<RRset> proofs = new ArrayList<>();
            if (names.containsKey(qname)) {
                proofs.add(rrset(qname, Type.NSEC));
            } else {
                proofs.add(covering(qname));
                if (!exists) {
                    Name encloser = qname;
                    while (!exists(encloser) && encloser.labels() > origin.labels()) {
                        encloser = new Name(encloser, 1);
                    }
                    try {
                        Name wildcard = Name.concatenate(Name.fromConstantString("*"), encloser);
                        RRset wildcardProof = covering(wildcard);
                        if (wildcardProof != proofs.get(0)) {
                            proofs.add(wildcardProof);
                        }
                    } catch (org.xbill.DNS.NameTooLongException e) {
                        // no wildcard below a maximal name
                    }
                }
            }
            for (RRset proof : proofs) {
                add(response, Section.AUTHORITY, proof, true);
            }
        }

        private RRset covering(Name name) {
            Name owner = names.lowerKey(name);
            if (owner == null) {
                owner = names.lastKey();
            }
            return rrset(owner, Type.NSEC);
        }
    }
}
