// The recursor's cache, shared by every resolution in the process: RRsets with the trust they
// were learnt with (RFC 2181 §5.4.1: glue never replaces answer data, nor is it served as an
// answer), and negative answers (RFC 2308: NXDOMAIN for a name, NODATA for a name and type)
// with the SOA that set their TTL. Entries outlive their TTL by the serve-stale window
// (RFC 8767), for use only when fresh data cannot be had.

import { performance } from 'node:perf_hooks';
import type { ResourceRecord } from '../wire/model.ts';
import { canonicalName, parentName } from '../wire/names.ts';

export const enum Trust {
  /** Addresses from a referral's additional section. */
  GLUE = 1,
  /** NS records from a referral's authority section. */
  REFERRAL = 2,
  /** The answer section of an authoritative server's reply, or a forwarder's. */
  ANSWER = 3,
}

export interface CachedRRset {
  records: ResourceRecord[];
  trust: Trust;
}

export type Negative = { kind: 'nxdomain' | 'nodata'; soa: ResourceRecord | undefined };

/** A cache entry as read: the TTL left (0 and below: stale), in seconds. */
export interface Found<T> {
  value: T;
  ttlLeft: number;
}

interface Entry<T> {
  value: T;
  expiresAt: number;
}

/** TTLs above this are cut to it (BIND and Unbound use one week and one day). */
export const MAX_CACHE_TTL = 86_400;
/** RFC 2308 §5: negative answers are kept for at most this long (Unbound: 1 hour). */
export const MAX_NEGATIVE_TTL = 3600;

export interface RecursorCacheOptions {
  maxEntries: number;
  /** Seconds an expired entry is kept for serve-stale; 0 keeps nothing past its TTL. */
  staleSeconds: number;
  /** Milliseconds on a clock that never goes back. */
  now?: () => number;
}

const NXDOMAIN_TYPE = -1;

export class RecursorCache {
  private readonly rrsets = new Map<string, Entry<CachedRRset>>();
  private readonly negatives = new Map<string, Entry<Negative>>();
  private readonly now: () => number;

  constructor(private readonly options: RecursorCacheOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  get size(): number {
    return this.rrsets.size + this.negatives.size;
  }

  clock(): number {
    return this.now();
  }

  /** Stores an RRset unless a fresh one of higher trust is there; the TTL is the lowest of the set's. */
  putRRset(name: string, type: number, records: ResourceRecord[], trust: Trust): void {
    if (records.length === 0) return;
    const key = rrsetKey(name, type);
    const old = this.rrsets.get(key);
    if (old !== undefined && old.value.trust > trust && old.expiresAt > this.now()) return;
    const ttl = Math.min(MAX_CACHE_TTL, ...records.map((rr) => rr.ttl));
    if (ttl <= 0) return;
    this.set(this.rrsets, key, { records, trust }, ttl);
    // Data for the name and type replaces a negative answer about it.
    this.negatives.delete(key);
    this.negatives.delete(rrsetKey(name, NXDOMAIN_TYPE));
  }

  /** The RRset of `name` and `type` with at least `trust`; stale ones only if `stale` is set. */
  rrset(name: string, type: number, trust: Trust, stale = false): Found<CachedRRset> | undefined {
    const found = this.read(this.rrsets, rrsetKey(name, type), stale);
    return found !== undefined && found.value.trust >= trust ? found : undefined;
  }

  putNegative(name: string, type: number, negative: Negative, ttl: number): void {
    const capped = Math.min(ttl, MAX_NEGATIVE_TTL);
    if (capped <= 0) return;
    this.set(this.negatives, rrsetKey(name, negative.kind === 'nxdomain' ? NXDOMAIN_TYPE : type), negative, capped);
  }

  /** NODATA for the name and type, or NXDOMAIN for the name or (RFC 8020) an ancestor. */
  negative(name: string, type: number, stale = false): Found<Negative> | undefined {
    const nodata = this.read(this.negatives, rrsetKey(name, type), stale);
    if (nodata !== undefined) return nodata;
    for (let at = name; ; at = parentName(at)) {
      const nx = this.read(this.negatives, rrsetKey(at, NXDOMAIN_TYPE), stale);
      if (nx !== undefined) return nx;
      if (at === '') return undefined;
    }
  }

  private set<T>(map: Map<string, Entry<T>>, key: string, value: T, ttl: number): void {
    map.delete(key);
    map.set(key, { value, expiresAt: this.now() + ttl * 1000 });
    // Past the bound the oldest insertions go first (a random-name flood cannot grow the cache).
    if (this.rrsets.size + this.negatives.size > this.options.maxEntries) {
      const victim = map.keys().next().value as string;
      map.delete(victim);
    }
  }

  private read<T>(map: Map<string, Entry<T>>, key: string, stale: boolean): Found<T> | undefined {
    const entry = map.get(key);
    if (entry === undefined) return undefined;
    const left = entry.expiresAt - this.now();
    if (left <= -this.options.staleSeconds * 1000) {
      map.delete(key);
      return undefined;
    }
    if (left <= 0 && !stale) return undefined;
    return { value: entry.value, ttlLeft: Math.ceil(left / 1000) };
  }
}

function rrsetKey(name: string, type: number): string {
  return `${canonicalName(name)}/${type}`;
}

/** Records with the TTL a reader sees now (RFC 8767 §4: 30 s for stale data). */
export function withTtl(records: readonly ResourceRecord[], ttlLeft: number): ResourceRecord[] {
  const ttl = ttlLeft > 0 ? ttlLeft : STALE_ANSWER_TTL;
  return records.map((rr) => ({ ...rr, ttl }));
}

export const STALE_ANSWER_TTL = 30;
