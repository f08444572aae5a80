// What an address in our domains becomes before it is queued (Postfix's virtual alias expansion):
// an alias its user's address, a forward its targets, a group its members, each looked up again
// in turn; a user keeps its routing host. An address seen before is not expanded twice, so a
// loop (a group in itself, two forwards to each other) ends; depth and fan-out are bounded.
import type { Lookup } from './lookup.ts';

export interface ExpandedRecipient {
  address: string;
  /** The internal host this recipient is delivered to (its mailHost), when the directory names one. */
  mailHost?: string;
}

/** One step of the expansion, for `postern directory lookup` and the logs. */
export interface ExpansionStep {
  address: string;
  depth: number;
  what: 'user' | 'alias' | 'group' | 'forward' | 'external' | 'unknown' | 'seen before' | 'too deep';
  source?: string;
  to?: string[];
  mailHost?: string;
}

export type Expansion =
  | { kind: 'ok'; recipients: ExpandedRecipient[]; steps: ExpansionStep[] }
  | { kind: 'unknown'; source: string; steps: ExpansionStep[] }
  | { kind: 'unavailable'; reason: string; source: string; steps: ExpansionStep[] }
  | { kind: 'too many'; limit: number; steps: ExpansionStep[] }
  /** Every path ended in a loop or an unknown address: nothing to deliver to. */
  | { kind: 'empty'; steps: ExpansionStep[] };

export interface ExpansionOptions {
  lookup(address: string): Promise<Lookup>;
  /** Only addresses in our domains are looked up; any other is delivered as it is. */
  isOurs(address: string): boolean;
  maxDepth: number;
  maxRecipients: number;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

class Stop extends Error {
  constructor(readonly result: Exclude<Expansion, { kind: 'ok' }>) {
    super(result.kind);
  }
}

export async function expandAddress(address: string, options: ExpansionOptions): Promise<Expansion> {
  const recipients = new Map<string, ExpandedRecipient>();
  const steps: ExpansionStep[] = [];
  const seen = new Set<string>();

  const deliver = (recipient: ExpandedRecipient) => {
    recipients.set(`${recipient.address.toLowerCase()} ${recipient.mailHost ?? ''}`, recipient);
    if (recipients.size > options.maxRecipients) throw new Stop({ kind: 'too many', limit: options.maxRecipients, steps });
  };

  const visit = async (current: string, depth: number): Promise<void> => {
    if (seen.has(current.toLowerCase())) return void steps.push({ address: current, depth, what: 'seen before' });
    seen.add(current.toLowerCase());
    if (!options.isOurs(current)) {
      steps.push({ address: current, depth, what: 'external' });
      return deliver({ address: current });
    }
    const answer = await options.lookup(current);
    if (answer.kind === 'unavailable') throw new Stop({ ...answer, steps });
    if (answer.kind === 'unknown') {
      steps.push({ address: current, depth, what: 'unknown', source: answer.source });
      // The address itself unknown: refused. A member or forward target unknown: left out, as
      // it would only bounce later, to a sender who cannot fix the list.
      if (depth === 0) throw new Stop({ ...answer, steps });
      return;
    }
    const { entry } = answer;
    const mailHost = entry.mailHost === undefined ? {} : { mailHost: entry.mailHost };
    const targets = entry.kind === 'group' ? entry.members : entry.forwards;
    if (targets.length === 0) {
      steps.push({ address: current, depth, what: same(entry.address, current) ? 'user' : 'alias', source: entry.source, to: [entry.address], ...mailHost });
      seen.add(entry.address.toLowerCase());
      return deliver({ address: entry.address, ...mailHost });
    }
    steps.push({ address: current, depth, what: entry.kind === 'group' ? 'group' : 'forward', source: entry.source, to: targets });
    if (depth >= options.maxDepth) return void steps.push({ address: current, depth, what: 'too deep' });
    for (const target of targets) {
      // A forward that names the user's own address keeps a copy in the mailbox.
      if (entry.kind === 'user' && (same(target, entry.address) || same(target, current))) deliver({ address: entry.address, ...mailHost });
      else await visit(target, depth + 1);
    }
  };

  try {
    await visit(address, 0);
  } catch (err) {
    if (err instanceof Stop) return err.result;
    throw err;
  }
  if (recipients.size === 0) return { kind: 'empty', steps };
  return { kind: 'ok', recipients: [...recipients.values()], steps };
}
