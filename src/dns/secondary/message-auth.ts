// TSIG for the messages exchanged with a primary: our SOA queries and transfer requests, its
// replies, and the NOTIFY it sends us. Without a key nothing is signed or checked; with one,
// every reply and every NOTIFY must carry a valid signature of that key (RFC 8945).

import { keyNameOf } from '../acl.ts';
import { signedExchange } from '../tsig/client.ts';
import { keyRing, tsigKey } from '../tsig/keys.ts';
import { checkRequest } from '../tsig/server.ts';
import type { PrimaryServer } from './config.ts';
import { NO_AUTH, type MessageAuth } from './primary-exchange.ts';

export type NotifyAuth = { ok: true; sign: (reply: Buffer) => Buffer } | { ok: false; reason: string; reply?: Buffer };

/** How one exchange (a SOA query, a transfer) with this primary is signed and checked. */
export function authFor(primary: PrimaryServer): MessageAuth {
  if (primary.key === undefined) return NO_AUTH;
  return signedExchange(tsigKey(primary.key));
}

/** Whether a NOTIFY carries the primary's signature (when it has a key), and how to sign the answer. */
export function notifyAuthFor(primary: PrimaryServer, query: Buffer): NotifyAuth {
  if (primary.key === undefined) return { ok: true, sign: (reply) => reply };
  const expected = keyNameOf(primary.key.name);
  const check = checkRequest(query, keyRing([primary.key]));
  switch (check.kind) {
    case 'signed':
      return check.key === expected ? { ok: true, sign: (reply) => check.signer.sign(reply) } : { ok: false, reason: `NOTIFY signed with key ${check.key}, not ${expected}` };
    case 'rejected':
      return { ok: false, reason: `NOTIFY's TSIG does not verify with key ${expected} (error ${check.error})`, reply: check.reply };
    case 'unsigned':
      return { ok: false, reason: `NOTIFY not signed with key ${expected}` };
    default:
      return { ok: false, reason: 'NOTIFY with an unreadable TSIG' };
  }
}
