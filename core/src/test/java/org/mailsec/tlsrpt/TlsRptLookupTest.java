package org.mailsec.tlsrpt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailsec.testing.LoopbackDnsServer;
import org.mailsec.record.RecordException;
import org.mailsec.record.RecordException.Kind;

/** The lookup scenarios of shared/testdata/tlsrpt-records against real DNS answers. */
class TlsRptLookupTest {

    private static LoopbackDnsServer dns;
    private static TlsRptLookup lookup;

    @BeforeAll
    static void start() throws Exception {
        dns = LoopbackDnsServer.start();
        dns.addSignedZone("example", """
            _smtp._tls.basic TXT "v=TLSRPTv1; rua=mailto:tlsrpt@basic.example"
            _smtp._tls.one TXT "v=TLSRPTv1; rua=mailto:tlsrpt@basic.example"
            _smtp._tls.one TXT "other"
            _smtp._tls.multiple TXT "v=TLSRPTv1; rua=mailto:tlsrpt@basic.example"
            _smtp._tls.multiple TXT "v=TLSRPTv1; rua=mailto:tlsrpt2@basic.example"
            _smtp._tls.other TXT "other"
            _smtp._tls.malformed TXT "v=TLSRPTv1; bad"
            _smtp._tls.temperror TXT "v=TLSRPTv1; rua=mailto:tlsrpt@basic.example"
            _smtp._tls.forged TXT "v=TLSRPTv1; rua=mailto:tlsrpt@basic.example"
            _smtp._tls.refused TXT "v=TLSRPTv1; rua=mailto:tlsrpt@basic.example"
            _smtp._tls.formerr TXT "v=TLSRPTv1; rua=mailto:tlsrpt@basic.example"
            """);
        dns.answerWith("_smtp._tls.refused.example", "TXT", "REFUSED");
        dns.answerWith("_smtp._tls.formerr.example", "TXT", "FORMERR");
        dns.servfail("_smtp._tls.temperror.example");
        dns.breakSignature("_smtp._tls.forged.example", "TXT");
        lookup = new TlsRptLookup(dns.resolver());
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    @Test
    void record() throws Exception {
        assertThat(lookup.lookup("basic.example").mailtoAddresses()).containsExactly("tlsrpt@basic.example");
        assertThat(lookup.lookup("one.example").mailtoAddresses()).containsExactly("tlsrpt@basic.example");
    }

    @Test
    void errorKinds() {
        assertKind("multiple.example", Kind.MULTIPLE_RECORDS);
        assertKind("absent.example", Kind.NO_RECORD);
        assertKind("other.example", Kind.NO_RECORD);
        assertKind("malformed.example", Kind.SYNTAX);
        assertKind("temperror.example", Kind.TEMPORARY_DNS);
        assertKind("forged.example", Kind.TEMPORARY_DNS);
    }

    /**
     * REFUSED and FORMERR are unauthenticated answers anyone on the path can forge: they say nothing about the
     * record, so reading them as "no record" would let them switch a policy off. Only a name that cannot be asked
     * at all has no record.
     */
    @Test
    void anUnansweredQueryIsNeverNoRecord() {
        assertKind("refused.example", Kind.TEMPORARY_DNS);
        assertKind("formerr.example", Kind.TEMPORARY_DNS);
        assertKind("a..b.example", Kind.NO_RECORD);
    }

    private static void assertKind(String domain, Kind kind) {
        assertThatThrownBy(() -> lookup.lookup(domain)).isInstanceOf(RecordException.class)
            .satisfies(e -> assertThat(((RecordException) e).kind()).as(domain).isEqualTo(kind));
    }
}
