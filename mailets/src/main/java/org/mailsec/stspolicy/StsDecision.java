package org.mailsec.stspolicy;

import java.util.Optional;
import org.mailsec.mtasts.MtaStsPolicy;
import org.mailsec.mtasts.PolicyFetch;

/**
 * What MTA-STS says for one recipient domain at delivery time.
 *
 * @param policy       the policy in force (enforce or testing); empty when the domain has none, or mode none
 * @param fetchFailure a failed fetch that left the domain without a policy: recorded as a TLS report failure
 * @param fromCache    the policy came from the cache without a fetch
 * @param unknown      why it cannot be told whether a policy is in force (the {@code _mta-sts} lookup failed
 *                     with nothing cached, or the cache could not be read when no fresh policy came): delivery
 *                     waits, since the answer could have been an enforced policy
 */
public record StsDecision(Optional<MtaStsPolicy> policy, Optional<PolicyFetch> fetchFailure, boolean fromCache,
                          Optional<String> unknown) {

    public static final StsDecision NONE = new StsDecision(Optional.empty(), Optional.empty(), false, Optional.empty());

    static StsDecision of(MtaStsPolicy policy, boolean fromCache) {
        if (policy.mode() == MtaStsPolicy.Mode.NONE) {
            return NONE;
        }
        return new StsDecision(Optional.of(policy), Optional.empty(), fromCache, Optional.empty());
    }

    static StsDecision failed(PolicyFetch fetch) {
        return new StsDecision(Optional.empty(), Optional.of(fetch), false, Optional.empty());
    }

    static StsDecision unknown(String why) {
        return new StsDecision(Optional.empty(), Optional.empty(), false, Optional.of(why));
    }

    public boolean enforce() {
        return policy.map(p -> p.mode() == MtaStsPolicy.Mode.ENFORCE).orElse(false);
    }
}
