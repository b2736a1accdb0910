package org.mailsec.bench;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Generates RFC 7489 aggregate reports of a chosen size, shaped like a large provider's: one record per source
 * address, each with its policy evaluation, identifiers, one DKIM and one SPF result.
 */
public final class SyntheticDmarcReports {

    private SyntheticDmarcReports() {
    }

    /** A report of {@code records} records. */
    public static byte[] xml(int records) {
        StringBuilder sb = new StringBuilder(600 + records * 700);
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<feedback>\n  <report_metadata>\n")
            .append("    <org_name>bench.example</org_name>\n    <email>noreply-dmarc-support@bench.example</email>\n")
            .append("    <report_id>1780000000000000000</report_id>\n")
            .append("    <date_range>\n      <begin>1795996800</begin>\n      <end>1796083199</end>\n    </date_range>\n")
            .append("  </report_metadata>\n  <policy_published>\n    <domain>example.com</domain>\n")
            .append("    <adkim>r</adkim>\n    <aspf>r</aspf>\n    <p>reject</p>\n    <sp>reject</sp>\n    <pct>100</pct>\n")
            .append("  </policy_published>\n");
        for (int r = 0; r < records; r++) {
            boolean pass = r % 4 != 0;
            sb.append(String.format(Locale.ROOT, """
                  <record>
                    <row>
                      <source_ip>198.51.%d.%d</source_ip>
                      <count>%d</count>
                      <policy_evaluated>
                        <disposition>%s</disposition>
                        <dkim>%s</dkim>
                        <spf>%s</spf>
                      </policy_evaluated>
                    </row>
                    <identifiers>
                      <header_from>example.com</header_from>
                    </identifiers>
                    <auth_results>
                      <dkim>
                        <domain>example.com</domain>
                        <result>%s</result>
                        <selector>s%d</selector>
                      </dkim>
                      <spf>
                        <domain>mail%d.example.com</domain>
                        <result>%s</result>
                      </spf>
                    </auth_results>
                  </record>
                """, (r / 250) % 250, r % 250, 1 + r % 17, pass ? "none" : "reject", pass ? "pass" : "fail",
                pass ? "pass" : "fail", pass ? "pass" : "fail", r % 3, r % 7, pass ? "pass" : "softfail"));
        }
        sb.append("</feedback>\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
