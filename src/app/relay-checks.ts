// The checks that keep strangers from using or impersonating us, built from relay, policy.relay,
// policy.spoofing, policy.submission and policy.rateLimits, in the order they run: relay control,
// anti-spoofing (envelope sender and header From, then HELO), the submission users' sender
// addresses, rate limits.
import type { Config } from '../config/schema.ts';
import type { Directory } from '../directory/directory.ts';
import type { SmtpCheck } from '../policy/check.ts';
import { heloCheck } from '../policy/helo.ts';
import { rateLimitCheck } from '../policy/rate-limit.ts';
import { relayCheck } from '../policy/relay.ts';
import { senderLoginCheck, type MailboxOf } from '../policy/sender-login.ts';
import { spoofingCheck } from '../policy/spoofing.ts';
import { selfIdentity } from './self-identity.ts';

/** The directory's answer for an address, as the mailbox it delivers to; without a directory, only a login's own address is its. */
function mailboxIn(directory: Directory | undefined): MailboxOf {
  return async (address) => {
    const found = await directory?.lookup(address);
    if (found?.kind === 'unavailable') return 'unavailable';
    return found?.kind === 'found' && found.entry.kind === 'user' ? found.entry.address : undefined;
  };
}

export function relayGuardChecks(config: Config, directory: Directory | undefined): SmtpCheck[] {
  const { domains } = config;
  const { relay, spoofing, submission, rateLimits } = config.policy;
  const tarpit = relay.tarpit.enabled ? { firstDelayMs: relay.tarpit.firstDelay, maxDelayMs: relay.tarpit.maxDelay } : undefined;
  const self = selfIdentity(config);
  return [
    relayCheck({ domains, tarpit }),
    ...(spoofing.enabled ? [spoofingCheck({ domains }), heloCheck({ names: self.names, addresses: self.addresses, domains })] : []),
    ...(submission.senderLogin ? [senderLoginCheck(mailboxIn(directory))] : []),
    rateLimitCheck(rateLimits),
  ];
}
