// The DNS server's counters: queries by type, responses by rcode, and named events (cache hits
// and misses, transfers, updates, rate-limited answers). One set per process: each cluster
// worker counts its own, and snapshots are flat name → count maps that add up across workers,
// the shape a metrics endpoint or `postern status` reads.

import { typeToText } from '../wire/rrtypes.ts';
import type { Answer, QueryHandler } from './transport.ts';

export type CounterSnapshot = Record<string, number>;

/** Names of the event counters; other modules add theirs here, so every name is in one list. */
export const Counter = {
  CACHE_HIT: 'cache.hit',
  CACHE_MISS: 'cache.miss',
  /** Queries the recursor sent to other servers (UDP and TCP). */
  RECURSION_UPSTREAM: 'recursion.upstream',
  RECURSION_REFUSED: 'recursion.refused',
  RATE_LIMIT_DROPPED: 'ratelimit.dropped',
  RATE_LIMIT_SLIPPED: 'ratelimit.slipped',
  TRANSFER_OUT: 'transfer.out',
  TRANSFER_REFUSED: 'transfer.refused',
  TRANSFER_IN: 'transfer.in',
  UPDATE_ACCEPTED: 'update.accepted',
  UPDATE_REFUSED: 'update.refused',
  NOTIFY_RECEIVED: 'notify.received',
  NOTIFY_SENT: 'notify.sent',
} as const;

const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

export class DnsCounters {
  // Arrays for the per-query counts: the answer path bumps them on every query.
  private readonly queryTypes = new Float64Array(65536);
  private readonly rcodes = new Float64Array(16);
  private readonly events = new Map<string, number>();

  countQuery(qtype: number): void {
    this.queryTypes[qtype & 0xffff]++;
  }

  /** The header's 4-bit rcode (extended rcodes travel in the OPT record and are not told apart). */
  countResponse(rcode: number): void {
    this.rcodes[rcode & 0x0f]++;
  }

  add(name: string, amount = 1): void {
    this.events.set(name, (this.events.get(name) ?? 0) + amount);
  }

  snapshot(): CounterSnapshot {
    const out: CounterSnapshot = {};
    this.queryTypes.forEach((count, qtype) => {
      if (count > 0) out[`query.type.${typeToText(qtype)}`] = count;
    });
    this.rcodes.forEach((count, rcode) => {
      if (count > 0) out[`response.rcode.${RCODE_NAMES[rcode] ?? `RCODE${rcode}`}`] = count;
    });
    for (const [name, count] of this.events) out[name] = count;
    return out;
  }
}

/** The counters of this process. */
export const dnsCounters = new DnsCounters();

/** Adds snapshots up (the cluster's workers into one view). */
export function sumCounters(snapshots: readonly CounterSnapshot[]): CounterSnapshot {
  const out: CounterSnapshot = {};
  for (const snapshot of snapshots) for (const [name, count] of Object.entries(snapshot)) out[name] = (out[name] ?? 0) + count;
  return out;
}

/** A counting stage in front of a query handler: the question's type from the query's bytes,
 *  the rcode from the (first) response's header; a query without a readable question counts
 *  by rcode only. */
export function countingHandler(handler: QueryHandler, counters: DnsCounters = dnsCounters): QueryHandler {
  const countAnswer = (answer: Answer): Answer => {
    const first = Array.isArray(answer) ? answer[0] : answer;
    if (first !== undefined && first.length >= 4) counters.countResponse(first[3]);
    return answer;
  };
  return (query, transport, clientAddress) => {
    const qtype = questionType(query);
    if (qtype !== undefined) counters.countQuery(qtype);
    const answer = handler(query, transport, clientAddress);
    return answer instanceof Promise ? answer.then(countAnswer) : countAnswer(answer);
  };
}

/** The type of the query's first question, read straight from the bytes. */
function questionType(query: Buffer): number | undefined {
  if (query.length < 17 || query[5] === 0) return undefined;
  let pos = 12;
  while (pos < query.length) {
    const length = query[pos];
    if (length === 0) return pos + 2 < query.length ? (query[pos + 1] << 8) | query[pos + 2] : undefined;
    if (length > 63) return undefined;
    pos += length + 1;
  }
  return undefined;
}
