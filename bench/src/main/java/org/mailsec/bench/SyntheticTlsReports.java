package org.mailsec.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import java.util.Locale;

/**
 * Generates RFC 8460 reports of a chosen size, shaped like a large provider's: many policies (one per
 * MX host and policy type), each with a few failure-detail rows.
 */
public final class SyntheticTlsReports {

    private SyntheticTlsReports() {
    }

    /** A report JSON with {@code policies} policy entries of {@code detailsPerPolicy} failure rows each. */
    public static byte[] json(int policies, int detailsPerPolicy) {
        String[] types = {"starttls-not-supported", "certificate-expired", "certificate-host-mismatch",
            "validation-failure", "sts-policy-fetch-error"};
        StringBuilder sb = new StringBuilder(policies * (400 + detailsPerPolicy * 260));
        sb.append("{\"organization-name\":\"Bench Reporter Inc.\",")
            .append("\"date-range\":{\"start-datetime\":\"2026-11-20T00:00:00Z\",\"end-datetime\":\"2026-11-20T23:59:59Z\"},")
            .append("\"contact-info\":\"smtp-tls-reporting@bench.example\",")
            .append("\"report-id\":\"2026-11-20T00:00:00Z_bench.example\",\"policies\":[");
        for (int p = 0; p < policies; p++) {
            if (p > 0) {
                sb.append(',');
            }
            String domain = "d" + p + ".example";
            sb.append("{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[\"version: STSv1\",\"mode: enforce\",")
                .append("\"mx: mx1.").append(domain).append("\",\"mx: *.mail.").append(domain).append("\",\"max_age: 604800\"],")
                .append("\"policy-domain\":\"").append(domain).append("\",\"mx-host\":[\"mx1.").append(domain)
                .append("\",\"*.mail.").append(domain).append("\"]},")
                .append("\"summary\":{\"total-successful-session-count\":").append(1000 + p)
                .append(",\"total-failure-session-count\":").append(detailsPerPolicy * 3).append("},\"failure-details\":[");
            for (int f = 0; f < detailsPerPolicy; f++) {
                if (f > 0) {
                    sb.append(',');
                }
                sb.append(String.format(Locale.ROOT,
                    "{\"result-type\":\"%s\",\"sending-mta-ip\":\"198.51.100.%d\",\"receiving-mx-hostname\":\"mx1.%s\","
                        + "\"receiving-ip\":\"203.0.113.%d\",\"failed-session-count\":3,\"failure-reason-code\":\"X509_V_ERR_%d\"}",
                    types[f % types.length], f % 250, domain, p % 250, f));
            }
            sb.append("]}");
        }
        sb.append("]}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /** Prints the sizes the benchmark uses, to turn its ops/s into MB/s. */
    public static void main(String[] args) throws IOException {
        for (String size : new String[] {"small", "large"}) {
            byte[] json = size.equals("small") ? json(2, 3) : json(org.mailsec.tlsrpt.TlsReportJson.MAX_POLICIES, 200);
            System.out.printf(Locale.ROOT, "%s: %d bytes JSON, %d bytes gzip%n", size, json.length, gzip(json).length);
        }
    }
}
