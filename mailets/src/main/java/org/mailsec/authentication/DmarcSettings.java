package org.mailsec.authentication;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mailsec.net.Networks;

/**
 * How DMARC verdicts on received mail are applied ({@code mailsec.dmarc.*} in mailsec.properties).
 *
 * @param enabled             evaluate received mail at all
 * @param enforcement         what a verdict does, for James domains without their own
 * @param domainEnforcement   James domains (lower case) with their own ({@code mailsec.dmarc.domain.<domain>.*})
 * @param skipAuthenticated   do not evaluate mail from authenticated users or relaying-allowed clients
 * @param authservId          the authserv-id of our Authentication-Results; empty: the SMTP server's HELO name
 * @param reportAddresses     our own report addresses (lower case): evaluations of mail to them are optional
 * @param trustedForwarders   clients whose mail passes a failing policy (RFC 7489 Appendix C {@code trusted_forwarder})
 * @param mailingLists        List-Id values (RFC 2919, lower case) whose mail passes ({@code mailing_list})
 * @param allowedSenders      From domains (lower case) whose mail passes ({@code local_policy})
 * @param dnsBudget           the time a message's DNS lookups may take in all; past it, a temperror
 */
public record DmarcSettings(boolean enabled, Enforcement enforcement, Map<String, Enforcement> domainEnforcement,
                            boolean skipAuthenticated, String authservId, Set<String> reportAddresses,
                            Networks trustedForwarders, Set<String> mailingLists, Set<String> allowedSenders,
                            Duration dnsBudget) {

    /**
     * What a verdict does for one James domain.
     *
     * @param monitor            record and mark only: never reject, never quarantine
     * @param quarantineAsReject answer 550 to a quarantine disposition too (mox does)
     * @param deferTemperror     answer 451 4.7.0 to a DMARC temperror instead of accepting and marking it
     */
    public record Enforcement(boolean monitor, boolean quarantineAsReject, boolean deferTemperror) {
        public static final Enforcement ENFORCE = new Enforcement(false, false, false);

        /**
         * What applies to one mail for several domains. The end of DATA has one reply for every recipient (RFC 5321
         * §4.2.5 without LMTP), so the mail is refused or deferred only where each recipient's domain would, and it
         * is monitored only if one of them monitors: no domain loses mail to another domain's stricter setting.
         */
        static Enforcement leastOf(Collection<Enforcement> each) {
            return new Enforcement(each.stream().anyMatch(Enforcement::monitor),
                !each.isEmpty() && each.stream().allMatch(Enforcement::quarantineAsReject),
                !each.isEmpty() && each.stream().allMatch(Enforcement::deferTemperror));
        }
    }

    public static final DmarcSettings DEFAULT = new DmarcSettings(true, Enforcement.ENFORCE, Map.of(), true, "", Set.of(),
        Networks.of(List.of()), Set.of(), Set.of(), Duration.ofSeconds(20));

    public DmarcSettings {
        domainEnforcement = Map.copyOf(domainEnforcement);
        reportAddresses = Set.copyOf(reportAddresses);
        mailingLists = Set.copyOf(mailingLists);
        allowedSenders = Set.copyOf(allowedSenders);
    }

    /** What applies to a mail for these recipient domains (normalised: lower case, no final dot). */
    public Enforcement enforcementFor(Collection<String> recipientDomains) {
        if (recipientDomains.isEmpty()) {
            return enforcement;
        }
        return Enforcement.leastOf(recipientDomains.stream().map(d -> domainEnforcement.getOrDefault(d, enforcement)).toList());
    }
}
