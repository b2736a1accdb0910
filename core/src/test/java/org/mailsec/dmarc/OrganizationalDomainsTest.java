package org.mailsec.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.IDN;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailsec.testing.TestData;

class OrganizationalDomainsTest {

    private static final Pattern CHECK = Pattern.compile("checkPublicSuffix\\((null|'[^']*'), (null|'[^']*')\\);");

    /** The publicsuffix.org test vectors (which use the whole list), against the list compiled into Guava. */
    static Stream<Arguments> pslVectors() throws Exception {
        List<Arguments> out = new ArrayList<>();
        for (String line : Files.readAllLines(TestData.file("dmarc-records/psl_test_psl.txt"))) {
            Matcher m = CHECK.matcher(line);
            // The two city.kobe.jp lines contradict every other copy of the file (testdata README).
            if (line.strip().startsWith("//") || !m.find() || line.contains("city.kobe.jp")) {
                continue;
            }
            out.add(Arguments.of(unquote(m.group(1)), unquote(m.group(2))));
        }
        assertThat(out).hasSizeGreaterThan(70);
        return out.stream();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("pslVectors")
    void publicSuffixListTestVectors(String domain, String registrable) {
        assertThat(OrganizationalDomains.guavaWithPrivateSuffixes().registrableDomain(domain).orElse(null))
            .isEqualTo(registrable);
    }

    @Test
    void privateRegistriesSeparateTheirCustomers() {
        // uk.com sells subdomains: with the ICANN section only, evil.uk.com and bank.uk.com would align.
        assertThat(OrganizationalDomains.guava().organizationalDomain("a.bank.uk.com")).isEqualTo("uk.com");
        assertThat(OrganizationalDomains.guavaWithPrivateSuffixes().organizationalDomain("a.bank.uk.com"))
            .isEqualTo("bank.uk.com");
    }

    @Test
    void moxVectorsWithTheirOwnListOnlyUseTheIcannSection() {
        JsonNode vectors = TestData.json("dmarc-records/mox_orgdomain_vectors.json");
        OrganizationalDomains list = OrganizationalDomains.fromList(vectors.get("psl_data").asText());
        for (JsonNode c : vectors.get("cases")) {
            String got = list.organizationalDomain(c.get("domain").asText());
            assertThat(IDN.toUnicode(got)).as(c.get("domain").asText()).isEqualTo(c.get("org_domain").asText());
        }
    }

    @Test
    void unlistedTopLevelDomainsUseTheImplicitRule() {
        assertThat(OrganizationalDomains.guava().organizationalDomain("mx.mail.example.test")).isEqualTo("example.test");
        assertThat(OrganizationalDomains.guava().organizationalDomain(".bad")).isEqualTo("");
    }

    private static String unquote(String s) {
        return s.equals("null") ? null : s.substring(1, s.length() - 1);
    }
}
