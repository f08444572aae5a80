// Greylisting (RFC 6647): the first message for a (client network, sender, recipient) triplet
// is deferred with 451 4.7.1; a real MTA retries after the delay and passes, a spam cannon
// seldom does. Trusted, authenticated and allowlisted clients and mail to the postmaster are
// never greylisted.
import type { Logger } from '../log/logger.ts';
import type { Allowlist } from './allowlist.ts';
import { CONTINUE, type RcptContext, type SmtpCheck, type Verdict } from './check.ts';
import { clientNetwork } from './greylist-network.ts';
import { GreylistStore, type GreylistTiming } from './greylist-store.ts';
import { ourDomains } from './our-domains.ts';
import { isPostmaster } from './postmaster.ts';

export interface GreylistOptions {
  /** The SQLite file (under dataDir). */
  file: string;
  timing: GreylistTiming;
  prefixes: { ipv4: number; ipv6: number };
  domains: readonly string[];
  allowlist: Allowlist;
  logger: Logger;
  now?: () => number;
}

export function greylistCheck(options: GreylistOptions): SmtpCheck {
  const ours = ourDomains(options.domains);
  const now = options.now ?? Date.now;
  return {
    name: 'greylist',
    rcpt(ctx: RcptContext): Verdict {
      if (options.allowlist.exemptsTransaction(ctx) || isPostmaster(ctx.recipient.address, ours)) return CONTINUE;
      const triplet = { network: clientNetwork(ctx.client.address, options.prefixes), sender: ctx.sender.toLowerCase(), recipient: ctx.recipient.address.toLowerCase() };
      try {
        const decision = GreylistStore.at(options.file).decide(triplet, options.timing, now());
        if (decision.pass) return CONTINUE;
        return { kind: 'defer', code: 451, enhanced: '4.7.1', text: `Greylisted, try again in ${decision.waitSeconds} seconds` };
      } catch (err) {
        // A broken greylist file must not stop all mail: the other checks still stand.
        options.logger.error({ check: 'greylist', file: options.file, err: (err as Error).message }, 'greylisting skipped: its database failed');
        return CONTINUE;
      }
    },
  };
}
