// Before a message is committed, the recipients in our domains are replaced by what the
// directory expands them to (the RCPT check has just looked them up: the answers are cached),
// each with its routing host, and with the address the client gave kept as ORCPT for DSNs
// (RFC 3461 §4.2). A recipient named twice, directly or through lists, is queued once.
import type { Directory } from '../directory/directory.ts';
import { expandAddress } from '../directory/expansion.ts';
import type { Logger } from '../log/logger.ts';
import type { Envelope, Recipient } from '../queue/envelope.ts';
import { ourDomains } from './our-domains.ts';

export interface RecipientExpansionOptions {
  domains: readonly string[];
  directory: Pick<Directory, 'lookup'>;
  expansion: { maxDepth: number; maxRecipients: number };
  logger: Logger;
}

/** A directory that cannot answer now rejects (the engine answers 451 and the client retries). */
export type EnvelopeExpander = (envelope: Envelope) => Promise<Envelope>;

export function envelopeExpander(options: RecipientExpansionOptions): EnvelopeExpander {
  const ours = ourDomains(options.domains);
  return async (envelope) => {
    const out = new Map<string, Recipient>();
    const add = (r: Recipient) => {
      const key = `${r.address.toLowerCase()} ${r.relayHost ?? ''}`;
      if (!out.has(key)) out.set(key, r);
    };
    for (const recipient of envelope.recipients) {
      if (!ours.hasAddress(recipient.address)) {
        add(recipient);
        continue;
      }
      const expansion = await expandAddress(recipient.address, { lookup: (a) => options.directory.lookup(a), isOurs: ours.hasAddress, ...options.expansion });
      if (expansion.kind === 'unavailable') throw new Error(`directory unavailable while expanding ${recipient.address}: ${expansion.reason}`);
      if (expansion.kind !== 'ok') {
        // Accepted at RCPT (the postmaster, or a user removed since): queued as given.
        add(recipient);
        continue;
      }
      const [only] = expansion.recipients;
      if (expansion.recipients.length === 1 && only!.address === recipient.address) {
        add({ ...recipient, ...(only!.mailHost === undefined ? {} : { relayHost: only!.mailHost }) });
        continue;
      }
      options.logger.info({ to: recipient.address, expandedTo: expansion.recipients.map((r) => r.address) }, 'recipient expanded');
      for (const leaf of expansion.recipients) {
        add({
          address: leaf.address,
          ...(recipient.notify === undefined ? {} : { notify: recipient.notify }),
          orcpt: recipient.orcpt ?? { type: /[^\x00-\x7f]/.test(recipient.address) ? 'utf-8' : 'rfc822', address: recipient.address },
          ...(leaf.mailHost === undefined ? {} : { relayHost: leaf.mailHost }),
        });
      }
    }
    return { ...envelope, recipients: [...out.values()] };
  };
}
