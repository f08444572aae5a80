// TSIG for the messages exchanged with a primary: our SOA queries and transfer requests, its
// replies, and the NOTIFY it sends us. Without a key nothing is signed or checked.

import type { PrimaryServer } from './config.ts';
import { NO_AUTH, type MessageAuth } from './primary-exchange.ts';

export type NotifyAuth = { ok: true; sign: (reply: Buffer) => Buffer } | { ok: false; reason: string; reply?: Buffer };

export function authFor(primary: PrimaryServer): MessageAuth {
  if (primary.key === undefined) return NO_AUTH;
  throw new Error(`TSIG key ${primary.key.name}: signed transfers are not available yet`);
}

/** Whether a NOTIFY carries the primary's signature (when it has a key), and how to sign the answer. */
export function notifyAuthFor(primary: PrimaryServer, _query: Buffer): NotifyAuth {
  if (primary.key === undefined) return { ok: true, sign: (reply) => reply };
  return { ok: false, reason: 'TSIG is not available yet' };
}
