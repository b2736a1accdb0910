package org.mailsec.authentication;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.mailsec.net.Networks;

/**
 * How DMARC verdicts on received mail are applied ({@code mailsec.dmarc.*} in mailsec.properties).
 *
 * @param enabled             evaluate received mail at all
 * @param monitor             record and mark only: never reject, never quarantine
 * @param quarantineAsReject  answer 550 to a quarantine disposition too (mox does)
 * @param deferTemperror      answer 451 4.7.0 to a DMARC temperror instead of accepting and marking it
 * @param skipAuthenticated   do not evaluate mail from authenticated users or relaying-allowed clients
 * @param authservId          the authserv-id of our Authentication-Results; empty: the SMTP server's HELO name
 * @param reportAddresses     our own report addresses (lower case): evaluations of mail to them are optional
 * @param monitorDomains      James domains (lower case) in monitor mode: a mail to any of them is never refused at DATA
 * @param trustedForwarders   clients whose mail passes a failing policy (RFC 7489 Appendix C {@code trusted_forwarder})
 * @param mailingLists        List-Id values (RFC 2919, lower case) whose mail passes ({@code mailing_list})
 * @param allowedSenders      From domains (lower case) whose mail passes ({@code local_policy})
 * @param dnsBudget           the time a message's DNS lookups may take in all; past it, a temperror
 */
public record DmarcSettings(boolean enabled, boolean monitor, boolean quarantineAsReject, boolean deferTemperror,
                            boolean skipAuthenticated, String authservId, Set<String> reportAddresses,
                            Set<String> monitorDomains, Networks trustedForwarders, Set<String> mailingLists,
                            Set<String> allowedSenders, Duration dnsBudget) {

    public static final DmarcSettings DEFAULT = new DmarcSettings(true, false, false, false, true, "", Set.of(), Set.of(),
        Networks.of(List.of()), Set.of(), Set.of(), Duration.ofSeconds(20));

    public DmarcSettings {
        reportAddresses = Set.copyOf(reportAddresses);
        monitorDomains = Set.copyOf(monitorDomains);
        mailingLists = Set.copyOf(mailingLists);
        allowedSenders = Set.copyOf(allowedSenders);
    }
}
