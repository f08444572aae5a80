// Encoded responses to plain queries, ready to send: answering from here is a copy and three
// patches (ID, RD/CD bits, the question name's case). A cache belongs to one ZoneSet and is
// dropped with it, so it can never serve data from a previous zone version.

import type { PlainQuery } from './plain-query.ts';

/** Default bound on cached responses; past it the cache starts over (random-name floods). */
const DEFAULT_ANSWER_CACHE_ENTRIES = 100_000;

export class AnswerCache {
  private readonly entries = new Map<string, Buffer>();

  constructor(private readonly maxEntries = DEFAULT_ANSWER_CACHE_ENTRIES) {}

  get(key: string): Buffer | undefined {
    return this.entries.get(key);
  }

  set(key: string, response: Buffer): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, response);
  }
}

const RD = 0x01;
const CD = 0x10;

/** The cached response made the answer to this query: its ID, its RD and CD bits (RFC 1035
 *  §4.1.1, RFC 4035 §3.2.2) and its question name exactly as the client wrote it. */
export function personalise(cached: Buffer, query: Buffer, plain: PlainQuery): Buffer {
  const out = Buffer.allocUnsafe(cached.length);
  cached.copy(out);
  out[0] = query[0];
  out[1] = query[1];
  out[2] = (out[2] & ~RD) | (query[2] & RD);
  out[3] = (out[3] & ~CD) | (query[3] & CD);
  query.copy(out, 12, 12, plain.qnameEnd);
  return out;
}
