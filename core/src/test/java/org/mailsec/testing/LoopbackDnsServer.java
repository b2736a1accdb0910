package org.mailsec.testing;

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
import java.util.Optional;
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
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.NSEC3Record;
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
 * for the zones it is given, signs zones on request (ECDSA P-256; NSEC, NSEC3 or NSEC3 with opt-out denial, as
 * BIND's dnssec-signzone and most operators' zones do), delegates signed children by DS from a signed parent
 * (one trust anchor for the tree) or insecure ones without, and can be told to fail.
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

    /** How a signed zone proves that a name or a type does not exist. */
    public enum Denial {
        /** RFC 4034 NSEC chain. */
        NSEC,
        /** RFC 5155 NSEC3: SHA-1, 0 iterations, empty salt (RFC 9276's advice, BIND's default). */
        NSEC3,
        /** NSEC3 with opt-out: insecure delegations are left out of the chain (RFC 5155 §6). */
        NSEC3_OPT_OUT
    }

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

    /** A zone signed now with a fresh key and NSEC denial; the key becomes a trust anchor of {@link #resolver()}. */
    public LoopbackDnsServer addSignedZone(String origin, String zoneText) throws IOException {
        return addSignedZone(origin, zoneText, Denial.NSEC);
    }

    /** A zone signed now with a fresh key and the given denial; the key becomes a trust anchor of {@link #resolver()}. */
    public LoopbackDnsServer addSignedZone(String origin, String zoneText, Denial denial) throws IOException {
        Name apex = name(origin);
        Signer signer = newSigner(apex);
        List<Record> records = parse(origin, zoneText);
        records.add(signer.dnskey);
        zones.removeIf(z -> z.origin.equals(apex));
        zones.add(new Zone(apex, records, signer, denial, true));
        return this;
    }

    /** New records for a signed zone, signed with the zone's own key (an operator's edit and re-signing). */
    public LoopbackDnsServer updateSignedZone(String origin, String zoneText) throws IOException {
        Name apex = name(origin);
        Zone zone = zones.stream().filter(z -> z.origin.equals(apex) && z.signer != null).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no signed zone " + origin));
        List<Record> records = parse(origin, zoneText);
        records.add(zone.signer.dnskey);
        zones.remove(zone);
        zones.add(new Zone(apex, records, zone.signer, zone.denial, zone.anchored));
        return this;
    }

    /**
     * A signed zone delegated from {@code parent} (a signed zone of this server): the parent gets NS and DS records
     * for it and is re-signed, and the child is no trust anchor of its own — validation goes down the DS chain.
     */
    public LoopbackDnsServer addSignedChildZone(String parent, String origin, String zoneText, Denial denial) throws IOException {
        Name apex = name(origin);
        Signer signer = newSigner(apex);
        List<Record> records = parse(origin, zoneText);
        records.add(signer.dnskey);
        delegate(parent, apex, Optional.of(new DSRecord(apex, DClass.IN, TTL, DNSSEC.Digest.SHA256, signer.dnskey)));
        zones.removeIf(z -> z.origin.equals(apex));
        zones.add(new Zone(apex, records, signer, denial, false));
        return this;
    }

    /** An unsigned zone delegated from the signed {@code parent} without DS: the parent proves the delegation insecure. */
    public LoopbackDnsServer addInsecureChildZone(String parent, String origin, String zoneText) throws IOException {
        Name apex = name(origin);
        List<Record> records = parse(origin, zoneText);
        delegate(parent, apex, Optional.empty());
        zones.removeIf(z -> z.origin.equals(apex));
        zones.add(new Zone(apex, records, null, Denial.NSEC, false));
        return this;
    }

    private void delegate(String parent, Name child, Optional<DSRecord> ds) throws IOException {
        Name parentApex = name(parent);
        Zone zone = zones.stream().filter(z -> z.origin.equals(parentApex)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no zone " + parent));
        if (zone.signer == null || !child.subdomain(parentApex) || child.equals(parentApex)) {
            throw new IllegalArgumentException(child + " cannot be delegated from " + parent);
        }
        List<Record> records = new ArrayList<>(zone.source);
        records.add(new org.xbill.DNS.NSRecord(child, DClass.IN, TTL, new Name("ns", child)));
        ds.ifPresent(records::add);
        zones.remove(zone);
        zones.add(new Zone(parentApex, records, zone.signer, zone.denial, zone.anchored));
    }

    private static Signer newSigner(Name apex) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair keys = generator.generateKeyPair();
            DNSKEYRecord dnskey = new DNSKEYRecord(apex, DClass.IN, TTL, 257, DNSKEYRecord.Protocol.DNSSEC,
                DNSSEC.Algorithm.ECDSAP256SHA256, keys.getPublic());
            return new Signer(dnskey, keys);
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

    /** The signature of one RRset expired a day ago (validators find it bogus). */
    public void expireSignature(String owner, String type) {
        Instant now = Instant.now();
        signatureWindow(owner, type, now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)));
    }

    /** The signature of one RRset becomes valid only tomorrow (validators find it bogus). */
    public void postdateSignature(String owner, String type) {
        Instant now = Instant.now();
        signatureWindow(owner, type, now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(10)));
    }

    private void signatureWindow(String owner, String type, Instant inception, Instant expiration) {
        Name n = name(owner);
        int t = Type.value(type);
        zones.stream().filter(z -> n.subdomain(z.origin) && z.signer != null)
            .forEach(z -> z.windows.put(n + "/" + t, new Instant[] {inception, expiration}));
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
        zones.forEach(z -> {
            z.broken.clear();
            z.windows.clear();
        });
    }

    /** Truncate UDP answers larger than this many bytes (0: use the client's EDNS size), to force TCP. */
    public void limitUdpAnswers(int bytes) {
        this.udpLimit = bytes;
    }

    /** The signed zones' keys as DNSKEY records in master-file format: the test trust anchors. */
    public String trustAnchorText() {
        StringBuilder sb = new StringBuilder();
        for (Zone z : zones) {
            if (z.signer != null && z.anchored) {
                sb.append(z.signer.dnskey).append('\n');
            }
        }
        return sb.toString();
    }

    /** The signed zones' keys as DS records. */
    public List<String> dsRecords() {
        List<String> out = new ArrayList<>();
        for (Zone z : zones) {
            if (z.signer != null && z.anchored) {
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
            if (zone != null && qtype == Type.DS && zone.origin.equals(current) && current.labels() > 1) {
                // The DS RRset of a zone cut lives on the parent's side (RFC 4034 §5).
                Zone parent = zoneFor(new Name(current, 1));
                if (parent != null) {
                    zone = parent;
                }
            }
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
        final Denial denial;
        final boolean anchored;
        final List<Record> source;
        final NavigableMap<Name, Map<Integer, RRset>> names = new TreeMap<>();
        /** The NSEC3 chain in hash order (RFC 5155 §7.1), keyed by the owner's hash in hex. */
        final NavigableMap<String, RRset> nsec3 = new TreeMap<>();
        final Set<String> broken = ConcurrentHashMap.newKeySet();
        final Map<String, Instant[]> windows = new ConcurrentHashMap<>();
        final Map<String, RRSIGRecord> signatures = new ConcurrentHashMap<>();

        Zone(Name origin, List<Record> records, Signer signer) throws IOException {
            this(origin, records, signer, Denial.NSEC, signer != null);
        }

        Zone(Name origin, List<Record> records, Signer signer, Denial denial, boolean anchored) throws IOException {
            this.origin = origin;
            this.signer = signer;
            this.denial = denial;
            this.anchored = anchored;
            this.source = List.copyOf(records);
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
            if (signer != null && denial == Denial.NSEC) {
                addNsecChain();
            } else if (signer != null) {
                addNsec3Chain(denial == Denial.NSEC3_OPT_OUT);
            }
        }

        private static final org.xbill.DNS.utils.base32 BASE32HEX =
            new org.xbill.DNS.utils.base32(org.xbill.DNS.utils.base32.Alphabet.BASE32HEX, false, true);
        private static final NSEC3PARAMRecord PARAMS_TEMPLATE =
            new NSEC3PARAMRecord(Name.root, DClass.IN, 0, NSEC3Record.SHA1_DIGEST_ID, 0, 0, new byte[0]);

        static byte[] hash(Name name) {
            try {
                return PARAMS_TEMPLATE.hashName(name);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 missing from the JVM", e);
            }
        }

        static String hex(byte[] hash) {
            return java.util.HexFormat.of().formatHex(hash);
        }

        /** A delegation without DS: the names an opt-out chain leaves out. */
        private boolean insecureDelegation(Name name) {
            Map<Integer, RRset> types = names.get(name);
            return types != null && !name.equals(origin) && types.containsKey(Type.NS) && !types.containsKey(Type.DS);
        }

        /**
         * One NSEC3 per owner name and per empty non-terminal, in hash order (RFC 5155 §7.1); with opt-out the
         * insecure delegations are left out and every NSEC3 carries the opt-out flag.
         */
        private void addNsec3Chain(boolean optOut) {
            names.computeIfAbsent(origin, n -> new TreeMap<>()).computeIfAbsent(Type.NSEC3PARAM, t -> new RRset())
                .addRR(new NSEC3PARAMRecord(origin, DClass.IN, 0, NSEC3Record.SHA1_DIGEST_ID, 0, 0, new byte[0]));
            Map<Name, List<Integer>> owners = new TreeMap<>();
            for (Name owner : names.keySet()) {
                if (optOut && insecureDelegation(owner)) {
                    continue;
                }
                List<Integer> types = new ArrayList<>(names.get(owner).keySet());
                boolean delegation = types.contains(Type.NS) && !owner.equals(origin);
                if (!delegation || types.contains(Type.DS)) {
                    types.add(Type.RRSIG);
                }
                owners.put(owner, types);
                for (Name up = new Name(owner, 1); up.labels() > origin.labels(); up = new Name(up, 1)) {
                    owners.putIfAbsent(up, new ArrayList<>());
                }
            }
            TreeMap<String, Map.Entry<Name, List<Integer>>> byHash = new TreeMap<>();
            owners.entrySet().forEach(e -> byHash.put(hex(hash(e.getKey())), e));
            List<String> hashes = new ArrayList<>(byHash.keySet());
            for (int i = 0; i < hashes.size(); i++) {
                byte[] own = java.util.HexFormat.of().parseHex(hashes.get(i));
                byte[] next = java.util.HexFormat.of().parseHex(hashes.get((i + 1) % hashes.size()));
                Name owner;
                try {
                    owner = Name.concatenate(Name.fromString(BASE32HEX.toString(own)), origin);
                } catch (org.xbill.DNS.TextParseException | org.xbill.DNS.NameTooLongException e) {
                    throw new IllegalStateException("NSEC3 owner name", e);
                }
                NSEC3Record record = new NSEC3Record(owner, DClass.IN, TTL, NSEC3Record.SHA1_DIGEST_ID,
                    optOut ? NSEC3Record.Flags.OPT_OUT : 0, 0, new byte[0], next,
                    byHash.get(hashes.get(i)).getValue().stream().mapToInt(Integer::intValue).toArray());
                RRset rrset = new RRset();
                rrset.addRR(record);
                nsec3.put(hashes.get(i), rrset);
            }
        }

        /** The NSEC3 whose owner is {@code name}'s hash, or null. */
        RRset matchingNsec3(Name name) {
            return nsec3.get(hex(hash(name)));
        }

        /** The NSEC3 whose interval covers {@code name}'s hash (the chain wraps around). */
        RRset coveringNsec3(Name name) {
            Map.Entry<String, RRset> below = nsec3.lowerEntry(hex(hash(name)));
            return below != null ? below.getValue() : nsec3.lastEntry().getValue();
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
            Instant[] window = windows.get(key);
            if (window != null) {
                return sign(rrset, window[0], window[1]);
            }
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
            Instant now = Instant.now();
            return sign(rrset, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(7)));
        }

        private RRSIGRecord sign(RRset rrset, Instant inception, Instant expiration) {
            try {
                return DNSSEC.sign(rrset, signer.dnskey, signer.keys.getPrivate(), inception, expiration);
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
            if (denial != Denial.NSEC) {
                for (RRset proof : nsec3Proofs(qname, exists)) {
                    add(response, Section.AUTHORITY, proof, true);
                }
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

        /**
         * RFC 5155 §7.2: NODATA is the NSEC3 matching the name; otherwise a closest encloser proof (the NSEC3
         * matching the closest encloser, one covering the next closer name — with opt-out, that proves an insecure
         * delegation's missing DS) and, for NXDOMAIN, one covering the wildcard at the closest encloser.
         */
        private List<RRset> nsec3Proofs(Name qname, boolean exists) {
            java.util.LinkedHashSet<RRset> proofs = new java.util.LinkedHashSet<>();
            RRset matching = matchingNsec3(qname);
            if (matching != null) {
                proofs.add(matching);
                return new ArrayList<>(proofs);
            }
            Name nextCloser = qname;
            Name encloser = new Name(qname, 1);
            while (matchingNsec3(encloser) == null && encloser.labels() > origin.labels()) {
                nextCloser = encloser;
                encloser = new Name(encloser, 1);
            }
            proofs.add(matchingNsec3(encloser));
            proofs.add(coveringNsec3(nextCloser));
            if (!exists) {
                try {
                    proofs.add(coveringNsec3(Name.concatenate(Name.fromConstantString("*"), encloser)));
                } catch (org.xbill.DNS.NameTooLongException e) {
                    // no wildcard below a maximal name
                }
            }
            return new ArrayList<>(proofs);
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
