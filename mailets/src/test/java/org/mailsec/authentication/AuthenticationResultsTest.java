package org.mailsec.authentication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.mailsec.dmarc.DmarcRecord;
import org.mailsec.dmarc.DmarcVerifier;

/** RFC 8601 syntax of our Authentication-Results, and which received fields are ours. */
class AuthenticationResultsTest {

    private static MessageAuthentication.Verdict verdict(List<DkimVerification.Signature> dkim) throws Exception {
        DmarcRecord record = DmarcRecord.parse("v=DMARC1; p=reject");
        return new MessageAuthentication.Verdict(
            new SpfVerification.Check(SpfVerification.Identity.MAILFROM, "example.org", SpfVerification.Result.SOFTFAIL,
                "not (quite) allowed"),
            Optional.of(new SpfVerification.Check(SpfVerification.Identity.HELO, "mx.example.org", SpfVerification.Result.NONE, "")),
            dkim, "example.org",
            new DmarcVerifier.Result(DmarcVerifier.Status.PASS, Optional.of(record), "example.org", DmarcRecord.Policy.REJECT,
                DmarcRecord.Policy.NONE, true, false, Optional.of("example.org"), false, ""));
    }

    @Test
    void everyResultWithItsPropertiesAndValuesThatAreNotTokensQuoted() throws Exception {
        String value = AuthenticationResults.value("mx.example.com", verdict(List.of(
            new DkimVerification.Signature("example.org", "s1", "ab/c+d=efgh1", "rsa-sha256", DkimVerification.Result.PASS, ""),
            new DkimVerification.Signature("esp.example", "e\"1", "xyz", "rsa-sha256", DkimVerification.Result.FAIL,
                "body hash (changed)"))));
        assertThat(value.split(";\r\n\t")).containsExactly(
            "mx.example.com",
            "spf=softfail (not  quite  allowed) smtp.mailfrom=example.org",
            "spf=none smtp.helo=mx.example.org",
            "dkim=pass header.d=example.org header.s=s1 header.b=\"ab/c+d=efgh1\"",
            "dkim=fail (body hash  changed) header.d=esp.example header.s=\"e\\\"1\" header.b=xyz",
            "dmarc=pass (p=reject dis=none) header.from=example.org policy.dmarc=reject");
        assertThat(value).matches("\\p{ASCII}*");
    }

    @Test
    void withoutSignaturesDkimIsNone() throws Exception {
        assertThat(AuthenticationResults.value("mx.example.com", verdict(List.of()))).contains("dkim=none");
    }

    @Test
    void aReceivedFieldIsOursByItsAuthservIdWhateverItsCaseQuotesOrVersion() {
        assertThat(AuthenticationResults.ours("mx.example.com; dmarc=pass", "mx.example.com")).isTrue();
        assertThat(AuthenticationResults.ours("  MX.Example.COM 1; spf=pass", "mx.example.com")).isTrue();
        assertThat(AuthenticationResults.ours("\"mx.example.com\"; none", "mx.example.com")).isTrue();
        assertThat(AuthenticationResults.ours("mx.example.com(x); dmarc=pass", "mx.example.com")).isTrue();
        assertThat(AuthenticationResults.ours("(forged) mx.example.com; dmarc=pass", "mx.example.com")).isTrue();
        assertThat(AuthenticationResults.ours("\"mx.exam\\ple.com\"; dmarc=pass", "mx.example.com")).isTrue();
        assertThat(AuthenticationResults.ours("mx.example.com.; dmarc=pass", "mx.example.com")).isTrue();
        assertThat(AuthenticationResults.ours("mx.example.com.evil; dmarc=pass", "mx.example.com")).isFalse();
        assertThat(AuthenticationResults.ours("other.example; dmarc=pass header.from=mx.example.com", "mx.example.com")).isFalse();
    }

    @Test
    void reportIntervalsSnapToWholeHoursThatDivideADay() {
        assertThat(DmarcEvaluations.intervalHours(0)).as("no ri (RFC 9989)").isEqualTo(24);
        assertThat(DmarcEvaluations.intervalHours(86400)).isEqualTo(24);
        assertThat(DmarcEvaluations.intervalHours(7200)).isEqualTo(2);
        assertThat(DmarcEvaluations.intervalHours(7201)).as("rounded up to 3 h").isEqualTo(3);
        assertThat(DmarcEvaluations.intervalHours(5 * 3600)).as("5 h snaps down to 4").isEqualTo(4);
        assertThat(DmarcEvaluations.intervalHours(60)).isEqualTo(1);
        assertThat(DmarcEvaluations.intervalHours(7 * 86400)).isEqualTo(24);
    }
}
