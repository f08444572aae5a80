// Recipient validation at RCPT against the directory, for our domains only (other domains are
// relay control's business): an unknown user is refused now (550 5.1.1), never accepted and
// bounced later to a sender who may be forged; a directory that cannot answer defers (451 4.4.3),
// never refuses a user who may exist. The whole expansion (aliases, forwards, groups) is done
// here, so a list that cannot be expanded is refused before the message is sent.
// A client that tries many unknown addresses (a directory harvest) waits longer for each
// answer once it passes delayAfter, and is disconnected at disconnectAfter.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Directory } from '../directory/directory.ts';
import { expandAddress } from '../directory/expansion.ts';
import { CONTINUE, type RcptContext, type SmtpCheck, type Verdict } from './check.ts';
import { ourDomains } from './our-domains.ts';
import { isPostmaster } from './postmaster.ts';

export interface HarvestLimits {
  /** Unknown recipients a session may try before each further one is answered slowly. */
  delayAfter: number;
  /** The first slowed answer waits this long, each next one twice as long, up to maxDelayMs. */
  delayMs: number;
  maxDelayMs: number;
  /** The unknown recipient that ends the session (421). */
  disconnectAfter: number;
}

export interface RecipientCheckOptions {
  domains: readonly string[];
  directory: Pick<Directory, 'lookup'>;
  expansion: { maxDepth: number; maxRecipients: number };
  harvest: HarvestLimits;
}

const UNKNOWN_COUNT = 'recipient:unknown';
const UNAVAILABLE: Verdict = { kind: 'defer', code: 451, enhanced: '4.4.3', text: 'Directory temporarily unavailable, try again later' };

export function recipientCheck(options: RecipientCheckOptions): SmtpCheck {
  const ours = ourDomains(options.domains);
  const { harvest } = options;

  const unknown = (ctx: RcptContext): Verdict | Promise<Verdict> => {
    const count = ((ctx.results.get(UNKNOWN_COUNT) as number | undefined) ?? 0) + 1;
    ctx.results.set(UNKNOWN_COUNT, count);
    if (count >= harvest.disconnectAfter) return { kind: 'defer', code: 421, enhanced: '4.7.0', text: 'Error: too many unknown recipients, closing connection' };
    const refusal: Verdict = { kind: 'reject', code: 550, enhanced: '5.1.1', text: `<${ctx.recipient.address}>: Recipient address rejected: User unknown` };
    if (count <= harvest.delayAfter) return refusal;
    return sleep(Math.min(harvest.delayMs * 2 ** Math.min(count - harvest.delayAfter - 1, 30), harvest.maxDelayMs), refusal);
  };

  return {
    name: 'recipient',
    async rcpt(ctx: RcptContext): Promise<Verdict> {
      const address = ctx.recipient.address;
      // RFC 5321 §4.5.1: the postmaster is accepted whatever the directory says.
      if (!ours.hasAddress(address) || isPostmaster(address, ours)) return CONTINUE;
      const expansion = await expandAddress(address, { lookup: (a) => options.directory.lookup(a), isOurs: ours.hasAddress, ...options.expansion });
      switch (expansion.kind) {
        case 'ok':
          return CONTINUE;
        case 'unavailable':
          return UNAVAILABLE;
        case 'too many':
          return { kind: 'reject', code: 550, enhanced: '5.2.4', text: `<${address}>: Mailing list expansion problem: more than ${expansion.limit} recipients` };
        case 'empty':
          return { kind: 'reject', code: 550, enhanced: '5.4.6', text: `<${address}>: Recipient address rejected: expands to no recipient (an alias loop or an empty list)` };
        case 'unknown':
          return unknown(ctx);
      }
    },
  };
}
