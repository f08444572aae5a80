// Recursive answers to plain queries, kept encoded so that a cached answer costs a copy and a
// few patches, as the authoritative fast path does: the ID, RD/CD and the question's case
// (personalise). Every record's TTL is lowered by the seconds since the answer was made, in the
// kept copy itself, once a second at most. An answer goes when its shortest TTL runs out; the
// next query resolves from the RRset cache.

import { performance } from 'node:perf_hooks';
import { personalise } from '../server/answer-cache.ts';
import type { PlainQuery } from '../server/plain-query.ts';
import { RRType } from '../wire/rrtypes.ts';

interface EncodedAnswer {
  response: Buffer;
  ttlOffsets: number[];
  ttls: number[];
  storedAt: number;
  expiresAt: number;
  /** The seconds since storedAt that the TTLs in `response` are lowered by. */
  aged: number;
}

const HEADER = 12;

export class EncodedAnswers {
  private readonly entries = new Map<string, EncodedAnswer>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The cached answer made the answer to `query`, or undefined. */
  answer(query: Buffer, plain: PlainQuery): Buffer | undefined {
    const entry = this.entries.get(plain.key);
    if (entry === undefined) return undefined;
    const now = this.now();
    if (now >= entry.expiresAt) {
      this.entries.delete(plain.key);
      return undefined;
    }
    const elapsed = Math.floor((now - entry.storedAt) / 1000);
    if (elapsed !== entry.aged) {
      for (let i = 0; i < entry.ttlOffsets.length; i++) entry.response.writeUInt32BE(entry.ttls[i] - elapsed, entry.ttlOffsets[i]);
      entry.aged = elapsed;
    }
    return personalise(entry.response, query, plain);
  }

  /** Keeps a whole response (ID 0) made now, as its own copy; one without records carries no
   *  TTL and is not kept. */
  store(key: string, whole: Buffer): void {
    const response = Buffer.from(whole);
    const ttlOffsets = recordTtlOffsets(response);
    if (ttlOffsets === undefined || ttlOffsets.length === 0) return;
    const ttls = ttlOffsets.map((offset) => response.readUInt32BE(offset));
    const shortest = Math.min(...ttls);
    if (shortest <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const now = this.now();
    this.entries.set(key, { response, ttlOffsets, ttls, storedAt: now, expiresAt: now + shortest * 1000, aged: 0 });
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Where each record's TTL sits in an encoded message (the OPT record's is its flags, left out);
 *  undefined if the message cannot be walked. */
export function recordTtlOffsets(msg: Buffer): number[] | undefined {
  const questions = msg.readUInt16BE(4);
  const records = msg.readUInt16BE(6) + msg.readUInt16BE(8) + msg.readUInt16BE(10);
  let pos = HEADER;
  for (let i = 0; i < questions; i++) {
    pos = skipName(msg, pos) + 4;
  }
  const offsets: number[] = [];
  for (let i = 0; i < records; i++) {
    pos = skipName(msg, pos);
    if (pos + 10 > msg.length) return undefined;
    if (msg.readUInt16BE(pos) !== RRType.OPT) offsets.push(pos + 4);
    pos += 10 + msg.readUInt16BE(pos + 8);
  }
  return pos === msg.length ? offsets : undefined;
}

function skipName(msg: Buffer, start: number): number {
  let pos = start;
  while (pos < msg.length) {
    const length = msg[pos];
    if (length === 0) return pos + 1;
    if ((length & 0xc0) === 0xc0) return pos + 2;
    pos += length + 1;
  }
  return msg.length + 1;
}
