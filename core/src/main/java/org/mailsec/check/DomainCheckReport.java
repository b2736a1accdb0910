package org.mailsec.check;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A domain's check: one part per thing a sending MTA looks at (MX, each MX host's STARTTLS and DANE, MTA-STS, TLSRPT,
 * DMARC, SPF, the report DKIM key), each with what was found, its errors (mail or reports fail), its warnings (weaker
 * than it could be) and its instructions (records to publish or fix).
 */
public record DomainCheckReport(String domain, Instant checked, List<Part> parts) {

    public enum Status { OK, WARNING, ERROR }

    /**
     * @param name    what was checked: {@code mx}, {@code starttls}, {@code dane}, {@code mta-sts}, {@code tlsrpt},
     *                {@code dmarc}, {@code spf}, {@code report-dkim-key}
     * @param subject the name it was checked for (the domain, an MX host, a DNS name)
     * @param found   what was found, for a person: names to strings, numbers, booleans or lists of strings
     */
    public record Part(String name, String subject, Status status, Map<String, Object> found, List<String> errors,
                       List<String> warnings, List<String> instructions) {
        public Part {
            found = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(found));
            errors = List.copyOf(errors);
            warnings = List.copyOf(warnings);
            instructions = List.copyOf(instructions);
        }
    }

    public DomainCheckReport {
        parts = List.copyOf(parts);
    }

    /** The worst status of any part. */
    public Status status() {
        return parts.stream().map(Part::status).max(Enum::compareTo).orElse(Status.OK);
    }

    public List<String> errors() {
        return parts.stream().flatMap(p -> p.errors().stream()).toList();
    }

    public List<String> warnings() {
        return parts.stream().flatMap(p -> p.warnings().stream()).toList();
    }

    public List<String> instructions() {
        return parts.stream().flatMap(p -> p.instructions().stream()).distinct().toList();
    }

    /** The parts of one name, e.g. every {@code dane} part. */
    public Stream<Part> parts(String name) {
        return parts.stream().filter(p -> p.name().equals(name));
    }
}
