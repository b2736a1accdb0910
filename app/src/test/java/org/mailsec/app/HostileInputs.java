package org.mailsec.app;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.mailsec.testing.TestData;

/**
 * Hostile and broken inputs made by code, never checked in: mutations of the real reports of ../shared/testdata
 * (cut short, bytes flipped, nested, numbers and strings grown past every bound, wrong types, NULs and invalid
 * UTF-8, compression broken) and odd webadmin parameters. Deterministic: the same seed gives the same cases.
 */
final class HostileInputs {

    /** One input and what it is, for assertion messages. */
    record Case(String name, byte[] bytes) {
    }

    private HostileInputs() {
    }

    static List<Case> tlsReports(long seed) throws Exception {
        return mutate(files("tlsrpt-reports", ".json"), seed, true);
    }

    static List<Case> dmarcReports(long seed) throws Exception {
        return mutate(files("dmarc-aggregate", ".xml"), seed, false);
    }

    private static List<Path> files(String dir, String suffix) throws Exception {
        try (Stream<Path> list = Files.list(TestData.dir().resolve(dir))) {
            return list.filter(p -> p.getFileName().toString().endsWith(suffix))
                .filter(p -> !p.getFileName().toString().equals("expected.json")).sorted().toList();
        }
    }

    private static List<Case> mutate(List<Path> sources, long seed, boolean json) throws Exception {
        Random random = new Random(seed);
        List<Case> cases = new ArrayList<>();
        for (Path source : sources) {
            byte[] real = Files.readAllBytes(source);
            String text = new String(real, StandardCharsets.UTF_8);
            String name = source.getFileName().toString();
            cases.add(new Case(name + " cut in half", Arrays.copyOf(real, real.length / 2)));
            cases.add(new Case(name + " cut to 1 byte", Arrays.copyOf(real, 1)));
            cases.add(new Case(name + " bytes flipped", flip(real, random, 8)));
            cases.add(new Case(name + " NULs", text.replace("\"", "\"\u0000").getBytes(StandardCharsets.UTF_8)));
            cases.add(new Case(name + " invalid UTF-8", concat(real, new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF})));
            cases.add(new Case(name + " digits grown", text.replaceAll("\\d+", "9".repeat(40)).getBytes(StandardCharsets.UTF_8)));
            cases.add(new Case(name + " negative numbers", text.replaceAll("(\\d+)", "-$1").getBytes(StandardCharsets.UTF_8)));
            cases.add(new Case(name + " gzip truncated", Arrays.copyOf(gzip(real), Math.max(10, gzip(real).length / 2))));
            cases.add(new Case(name + " zip of garbage", zip(name, flip(real, random, 64))));
            cases.add(new Case(name + " gzip of gzip", gzip(gzip(real))));
            if (json) {
                cases.add(new Case(name + " strings grown", text.replaceFirst("\"([a-z.-]+)\"", "\"" + "a".repeat(70_000) + "\"")
                    .getBytes(StandardCharsets.UTF_8)));
                cases.add(new Case(name + " policies not an array", text.replaceFirst("\"policies\"\\s*:\\s*\\[",
                    "\"policies\": \"x\", \"ignored\": [").getBytes(StandardCharsets.UTF_8)));
                cases.add(new Case(name + " dates at the end of time", text.replaceAll("\"20\\d\\d-[^\"]*\"", "1e300")
                    .getBytes(StandardCharsets.UTF_8)));
                cases.add(new Case(name + " nested 40 deep", text.replaceFirst("\\{", "{\"x\":" + "[".repeat(40) + "]".repeat(40) + ",")
                    .getBytes(StandardCharsets.UTF_8)));
                cases.add(new Case(name + " policy-string of brackets", text.replaceFirst("\"policy-type\"",
                    "\"policy-string\":\"" + "[".repeat(50_000) + "\",\"policy-type\"").getBytes(StandardCharsets.UTF_8)));
            } else {
                cases.add(new Case(name + " DOCTYPE", ("<?xml version=\"1.0\"?><!DOCTYPE feedback [<!ENTITY a \"aaaaaaaaaa\">"
                    + "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>" + text.replaceFirst("<\\?xml[^>]*>", "").replace("<org_name>",
                    "<org_name>&b;")).getBytes(StandardCharsets.UTF_8)));
                cases.add(new Case(name + " dates at the end of time", text.replaceAll("<begin>\\d+</begin>",
                    "<begin>9223372036854775807</begin>").getBytes(StandardCharsets.UTF_8)));
                cases.add(new Case(name + " nested 40 deep", text.replaceFirst("<feedback([^>]*)>", "<feedback$1>"
                    + "<x>".repeat(40) + "</x>".repeat(40)).getBytes(StandardCharsets.UTF_8)));
                cases.add(new Case(name + " text grown", text.replaceFirst("<org_name>", "<org_name>" + "a".repeat(70_000))
                    .getBytes(StandardCharsets.UTF_8)));
                cases.add(new Case(name + " unclosed", text.replace("</feedback>", "").getBytes(StandardCharsets.UTF_8)));
            }
        }
        return cases;
    }

    /** Odd values for a query parameter, raw (as they go on the wire, escapes included). */
    static List<String> parameterValues() {
        return List.of("", "%", "%Z", "%ZZ", "%C3%28", "%FF%FE", "%00", "-1", "0", "-999999999-01-01T00:00:00Z",
            "+999999999-12-31T23:59:59Z", "1e30", "9223372036854775808", "2026-02-30", "2026-13-01", "yesterday",
            "a".repeat(5000), "%27%20OR%201%3D1--", "%3Cscript%3E", "true", "TRUE", "..%2F..%2Fetc%2Fpasswd",
            "%E2%80%AE", "2026-11-20T00:00:00+99:00", "NaN", "%20%20", "1,2", "[]", "{}");
    }

    private static byte[] flip(byte[] data, Random random, int flips) {
        byte[] out = data.clone();
        for (int i = 0; i < flips && out.length > 0; i++) {
            out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] zip(String name, byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry(name));
            zip.write(data);
            zip.closeEntry();
        }
        return out.toByteArray();
    }
}
