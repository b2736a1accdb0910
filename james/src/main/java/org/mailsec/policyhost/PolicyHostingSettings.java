package org.mailsec.policyhost;

import java.time.Duration;
import java.util.List;
import org.mailsec.mtasts.MtaStsPolicy;

/**
 * MTA-STS policies served for James's domains ({@code mailsec.mtasts.hosting.*}), off by default.
 *
 * @param mx     the policy's MX patterns; empty: each domain's own MX hosts, as DNS gives them when asked
 * @param maxAge how long senders may keep the policy
 */
public record PolicyHostingSettings(boolean enabled, MtaStsPolicy.Mode mode, List<String> mx, Duration maxAge) {
    public PolicyHostingSettings {
        mx = List.copyOf(mx);
    }
}
