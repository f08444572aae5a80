// The checks that keep strangers from using or impersonating us, built from relay, policy.relay,
// policy.spoofing, policy.submission and policy.rateLimits, in the order they run: relay control,
// anti-spoofing (envelope sender and header From, then HELO), the submission users' sender
// addresses, rate limits.
import type { Config } from '../config/schema.ts';
import type { SmtpCheck } from '../policy/check.ts';
import { heloCheck } from '../policy/helo.ts';
import { rateLimitCheck } from '../policy/rate-limit.ts';
import { relayCheck } from '../policy/relay.ts';
import { senderLoginCheck, type SenderAddresses } from '../policy/sender-login.ts';
import { spoofingCheck } from '../policy/spoofing.ts';
import { selfIdentity } from './self-identity.ts';

/** Logins are addresses (the users file, LDAP's mail attribute): a login may send as itself. The directory does not yet tell a login's other addresses. */
const loginAddressOnly: SenderAddresses = async (login) => [login];

export function relayGuardChecks(config: Config): SmtpCheck[] {
  const { domains } = config;
  const { relay, spoofing, submission, rateLimits } = config.policy;
  const tarpit = relay.tarpit.enabled ? { firstDelayMs: relay.tarpit.firstDelay, maxDelayMs: relay.tarpit.maxDelay } : undefined;
  const self = selfIdentity(config);
  return [
    relayCheck({ domains, tarpit }),
    ...(spoofing.enabled ? [spoofingCheck({ domains }), heloCheck({ names: self.names, addresses: self.addresses, domains })] : []),
    ...(submission.senderLogin ? [senderLoginCheck(loginAddressOnly)] : []),
    rateLimitCheck(rateLimits),
  ];
}
