package org.mailsec.authentication;

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
 */
public record DmarcSettings(boolean enabled, boolean monitor, boolean quarantineAsReject, boolean deferTemperror,
                            boolean skipAuthenticated, String authservId, java.util.Set<String> reportAddresses) {

    public static final DmarcSettings DEFAULT = new DmarcSettings(true, false, false, false, true, "", java.util.Set.of());

    public DmarcSettings {
        reportAddresses = java.util.Set.copyOf(reportAddresses);
    }
}
