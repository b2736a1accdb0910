package org.mailsec.matchers;

import java.util.Arrays;
import java.util.Collection;
import java.util.Set;
import java.util.stream.Collectors;
import javax.mail.internet.AddressException;
import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;

/**
 * The matchers' optional condition: the reporting addresses a report must be sent to, e.g.
 * {@code match="org.mailsec.matchers.IsTlsReport=tlsrpt@example.com, rua@example.com"}. Only those recipients
 * match, so a report copied to other people reaches them as an ordinary mail. Without a condition every
 * recipient matches.
 */
final class ReportingAddresses {

    // Lower-cased: reporting addresses are compared without regard to case.
    private final Set<String> addresses;

    private ReportingAddresses(Set<String> addresses) {
        this.addresses = addresses;
    }

    static ReportingAddresses parse(String condition) throws javax.mail.MessagingException {
        if (condition == null || condition.isBlank()) {
            return new ReportingAddresses(Set.of());
        }
        try {
            Set<String> parsed = new java.util.HashSet<>();
            for (String a : Arrays.stream(condition.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList()) {
                parsed.add(key(new MailAddress(a)));
            }
            return new ReportingAddresses(Set.copyOf(parsed));
        } catch (AddressException e) {
            throw new javax.mail.MessagingException("the matcher condition '" + condition
                + "' is not a comma-separated list of reporting addresses: " + e.getMessage(), e);
        }
    }

    private static String key(MailAddress address) {
        return address.asString().toLowerCase(java.util.Locale.ROOT);
    }

    /** The recipients of {@code mail} that are reporting addresses. */
    Collection<MailAddress> of(Mail mail) {
        if (addresses.isEmpty()) {
            return mail.getRecipients();
        }
        return mail.getRecipients().stream().filter(a -> addresses.contains(key(a))).collect(Collectors.toList());
    }

    /** Whether any recipient of {@code mail} is a reporting address (cheap: checked before any MIME parsing). */
    boolean addressed(Mail mail) {
        return addresses.isEmpty() || mail.getRecipients().stream().anyMatch(a -> addresses.contains(key(a)));
    }
}
