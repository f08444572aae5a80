// Response rate limiting for UDP answers, per client network (/24 for IPv4, /56 for IPv6): a
// token bucket of `responsesPerSecond`. Past it, answers are dropped, and every `slip`-th dropped
// answer goes out as an empty TC=1 reply instead, so a real client behind a spoofed flood
// still gets through by retrying over TCP, while a reflection attack gets no amplification.
// TCP is never limited here: a TCP client has shown it owns its address.

import { performance } from 'node:perf_hooks';
import { ipv4ToBytes, ipv6ToBytes } from '../wire/addresses.ts';
import { Counter, type DnsCounters } from './counters.ts';
import type { QueryHandler } from './transport.ts';

export interface RateLimitSettings {
  /** Answers a second per client network; 0 turns rate limiting off. */
  responsesPerSecond: number;
  /** Every slip-th dropped answer is sent truncated; 0: all are dropped. */
  slip: number;
  /** Clients never limited. */
  exempt: (address: string) => boolean;
}

interface Bucket {
  tokens: number;
  last: number;
  dropped: number;
}

const HEADER = 12;
const QR = 0x80;
const TC = 0x02;
/** Networks tracked at once; past it the table starts over (each network with a full bucket). */
const MAX_BUCKETS = 100_000;
const scratch = Buffer.alloc(16);

export function rateLimited(handler: QueryHandler, settings: RateLimitSettings, counters: DnsCounters, now: () => number = () => performance.now()): QueryHandler {
  if (settings.responsesPerSecond <= 0) return handler;
  const rate = settings.responsesPerSecond;
  const buckets = new Map<string, Bucket>();
  const exempt = new Map<string, boolean>();
  const isExempt = (address: string): boolean => {
    let verdict = exempt.get(address);
    if (verdict === undefined) {
      verdict = settings.exempt(address);
      if (exempt.size >= MAX_BUCKETS) exempt.clear();
      exempt.set(address, verdict);
    }
    return verdict;
  };
  return (query, transport, clientAddress) => {
    if (transport !== 'udp' || isExempt(clientAddress)) return handler(query, transport, clientAddress);
    const network = clientNetwork(clientAddress);
    const at = now();
    let bucket = buckets.get(network);
    if (bucket === undefined) {
      if (buckets.size >= MAX_BUCKETS) buckets.clear();
      bucket = { tokens: rate, last: at, dropped: 0 };
      buckets.set(network, bucket);
    } else {
      bucket.tokens = Math.min(rate, bucket.tokens + ((at - bucket.last) * rate) / 1000);
      bucket.last = at;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens--;
      return handler(query, transport, clientAddress);
    }
    bucket.dropped++;
    if (settings.slip > 0 && bucket.dropped % settings.slip === 0) {
      counters.add(Counter.RATE_LIMIT_SLIPPED);
      return truncatedReply(query);
    }
    counters.add(Counter.RATE_LIMIT_DROPPED);
    return undefined;
  };
}

/** The client's /24 or /56, as a map key. */
export function clientNetwork(address: string): string {
  const v4 = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  if (ipv4ToBytes(v4, scratch, 0)) return `${scratch[0]}.${scratch[1]}.${scratch[2]}`;
  if (ipv6ToBytes(address.replace(/%.*$/, ''), scratch, 0)) return scratch.toString('hex', 0, 7);
  return address;
}

/** The query's header and question with QR and TC set and nothing else: "ask again over TCP". */
function truncatedReply(query: Buffer): Buffer | undefined {
  if (query.length < HEADER + 5 || query[4] !== 0 || query[5] !== 1 || (query[2] & QR) !== 0) return undefined;
  let pos = HEADER;
  while (pos < query.length && query[pos] !== 0) {
    if (query[pos] > 63) return undefined;
    pos += query[pos] + 1;
  }
  const end = pos + 5;
  if (end > query.length) return undefined;
  const reply = Buffer.alloc(end);
  query.copy(reply, 0, 0, end);
  reply[2] = QR | TC | (query[2] & 0x79);
  reply[3] = 0;
  reply.writeUInt16BE(1, 4);
  reply.fill(0, 6, HEADER);
  return reply;
}
