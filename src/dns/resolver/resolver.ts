// The relay's caching stub resolver. It asks recursive servers (never the root), trusts only
// the chain of records from the question's name, caches by TTL with RFC 2308 negative
// caching, and sends one query on the wire however many callers want the same data.

import { setMaxListeners } from 'node:events';
import type { Logger } from '../../log/logger.ts';
import { silentLogger } from '../../log/logger.ts';
import type { Message, Question, ResourceRecord } from '../wire/model.ts';
import { RClass } from '../wire/model.ts';
import { canonicalName } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import { readReplyData } from './answer-chain.ts';
import { DnsLookupError, ResolverClosedError } from './errors.ts';
import { queryName, queryType } from './query-input.ts';
import { hostAddresses, mxHosts, ptrNames, tlsaValues, txtValues, type HostAddress, type MxHost, type TlsaValue, type TxtValue } from './record-values.ts';
import type { ServerAddress } from './resolv-conf.ts';
import { reverseName, tlsaName } from './reverse-name.ts';
import { TtlLruCache } from './ttl-cache.ts';
import { Upstream } from './upstream.ts';

export { DnsLookupError, ResolverClosedError, type LookupErrorCode } from './errors.ts';
export type { HostAddress, MxHost, TlsaValue, TxtValue } from './record-values.ts';
export { serversFromResolvConf, type ServerAddress } from './resolv-conf.ts';

export interface ResolverOptions {
  servers: ServerAddress[];
  /** Per try, in milliseconds. */
  timeoutMs?: number;
  /** Rounds over the server list. */
  attempts?: number;
  /** Cache entries (answers and negative answers together). */
  cacheSize?: number;
  /** Seconds; longer TTLs are cut to this. */
  maxCacheTtl?: number;
  /** Seconds; RFC 2308 §5 suggests one to three hours at most. */
  maxNegativeTtl?: number;
  logger?: Logger;
}

export interface LookupResult {
  /** The name asked for, in model form (after IDNA, without the trailing dot). */
  name: string;
  type: number;
  /** The RRset of the wanted type at the end of the CNAME chain. */
  records: ResourceRecord[];
  /** The CNAME targets followed from `name`, in order; the last one owns `records`. */
  cnameChain: string[];
  /** The upstream set AD: it validated the answer with DNSSEC (meaningful only when the
   *  path to a validating upstream is trusted, as for a resolver on the same host). */
  authenticated: boolean;
  /** Seconds the answer may still be used. */
  ttl: number;
}

/** A lookup's outcome with the records read into typed values. */
export interface Answer<T> {
  /** The name asked for, in model form. */
  name: string;
  values: T[];
  cnameChain: string[];
  authenticated: boolean;
  ttl: number;
}

export interface ResolverStats {
  /** Messages sent on the wire (UDP and TCP). */
  queriesSent: number;
  cacheHits: number;
  /** Lookups the cache could not answer, including those that joined a query in flight. */
  cacheMisses: number;
  /** Lookups that joined a query already in flight for the same name and type. */
  inflightJoined: number;
}

type CachedFailureCode = 'NXDOMAIN' | 'NODATA' | 'SERVFAIL';
type CachedOutcome =
  | { kind: 'answer'; result: LookupResult }
  | { kind: 'failure'; code: CachedFailureCode; detail: string };

/** RFC 2308 §7.1 allows five minutes; a few seconds spares a failing upstream a flood of
 *  repeats without keeping mail waiting once it recovers. */
const SERVFAIL_CACHE_SECONDS = 5;

const nxdomainKey = (name: string): string => `${canonicalName(name)}/NXDOMAIN`;
const rrsetKey = (name: string, type: number): string => `${canonicalName(name)}/${type}`;

export class Resolver {
  private readonly upstream: Upstream;
  private readonly limits: { maxTtl: number; maxNegativeTtl: number };
  private readonly cache: TtlLruCache<CachedOutcome>;
  private readonly inflight = new Map<string, Promise<LookupResult>>();
  private readonly closing = new AbortController();
  private readonly counters = { cacheHits: 0, cacheMisses: 0, inflightJoined: 0 };

  constructor(opts: ResolverOptions) {
    this.limits = { maxTtl: opts.maxCacheTtl ?? 86400, maxNegativeTtl: opts.maxNegativeTtl ?? 3600 };
    this.cache = new TtlLruCache(opts.cacheSize ?? 10000);
    // Every exchange in flight listens for close(); thousands at once are normal, not a leak.
    setMaxListeners(0, this.closing.signal);
    this.upstream = new Upstream({
      servers: opts.servers,
      timeoutMs: opts.timeoutMs ?? 2000,
      attempts: opts.attempts ?? 2,
      logger: opts.logger ?? silentLogger(),
      signal: this.closing.signal,
    });
  }

  /** The records of `type` for `name`, or a DnsLookupError saying why there are none. */
  async resolve(name: string, type: number | string): Promise<LookupResult> {
    if (this.closing.signal.aborted) throw new ResolverClosedError();
    const qname = queryName(name);
    const qtype = queryType(type);
    const cached = this.fromCache(qname, qtype);
    if (cached) {
      this.counters.cacheHits++;
      if (cached instanceof DnsLookupError) throw cached;
      return cached;
    }
    this.counters.cacheMisses++;
    const key = rrsetKey(qname, qtype);
    let pending = this.inflight.get(key);
    if (pending) {
      this.counters.inflightJoined++;
    } else {
      pending = this.lookUp(qname, qtype).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const result = await pending;
    // Each caller gets arrays of its own; the records themselves are shared and must not be changed.
    return { ...result, records: [...result.records], cnameChain: [...result.cnameChain] };
  }

  async resolveMx(domain: string): Promise<Answer<MxHost>> {
    return typed(await this.resolve(domain, RRType.MX), mxHosts);
  }

  /** A and AAAA (asked at the same time), IPv4 first; the caller orders them by its policy.
   *  Either family alone is enough; when both fail, a temporary failure wins over a
   *  permanent one, so that mail is deferred rather than bounced. */
  async resolveAddresses(host: string): Promise<Answer<HostAddress>> {
    const [v4, v6] = await Promise.allSettled([this.resolve(host, RRType.A), this.resolve(host, RRType.AAAA)]);
    const found = [v4, v6].filter((r) => r.status === 'fulfilled').map((r) => r.value);
    if (found.length === 0) {
      const [e4, e6] = [v4, v6].map((r) => (r as PromiseRejectedResult).reason as unknown);
      if (!(e4 instanceof DnsLookupError) || e4.temporary) throw e4;
      throw e6 instanceof DnsLookupError && !e6.temporary ? e4 : e6;
    }
    return {
      name: found[0].name,
      values: found.flatMap((r) => hostAddresses(r.records)),
      cnameChain: found[0].cnameChain,
      authenticated: found.every((r) => r.authenticated),
      ttl: Math.min(...found.map((r) => r.ttl)),
    };
  }

  async resolveTxt(name: string): Promise<Answer<TxtValue>> {
    return typed(await this.resolve(name, RRType.TXT), txtValues);
  }

  /** The names at the address's in-addr.arpa or ip6.arpa name. */
  async resolvePtr(ip: string): Promise<Answer<string>> {
    return typed(await this.resolve(reverseName(ip), RRType.PTR), ptrNames);
  }

  /** TLSA records at _port._protocol.host (RFC 6698 §3); DANE needs `authenticated`. */
  async resolveTlsa(port: number, protocol: string, host: string): Promise<Answer<TlsaValue>> {
    return typed(await this.resolve(tlsaName(port, protocol, queryName(host)), RRType.TLSA), tlsaValues);
  }

  stats(): ResolverStats {
    return { queriesSent: this.upstream.queriesSent, ...this.counters };
  }

  /** Ends every query in flight (their lookups fail with ResolverClosedError) and empties the cache. */
  close(): void {
    this.closing.abort();
    this.cache.clear();
  }

  /** A cached answer, a cached failure to throw, or undefined on a miss. */
  private fromCache(qname: string, qtype: number): LookupResult | DnsLookupError | undefined {
    const hit = this.cache.get(rrsetKey(qname, qtype)) ?? this.cache.get(nxdomainKey(qname));
    if (!hit) return undefined;
    const outcome = hit.value;
    if (outcome.kind === 'failure') return cachedFailure(outcome.code, qname, qtype, outcome.detail);
    const elapsed = hit.storedTtl - hit.remainingTtl;
    const { result } = outcome;
    return {
      ...result,
      records: result.records.map((rr) => ({ ...rr, ttl: Math.max(0, rr.ttl - elapsed) })),
      cnameChain: [...result.cnameChain],
      ttl: hit.remainingTtl,
    };
  }

  private async lookUp(qname: string, qtype: number): Promise<LookupResult> {
    const question: Question = { name: qname, type: qtype, class: RClass.IN };
    const key = rrsetKey(qname, qtype);
    let reply: Message;
    try {
      reply = await this.upstream.ask(question);
    } catch (err) {
      if (err instanceof DnsLookupError && err.code === 'SERVFAIL') {
        this.cache.set(key, { kind: 'failure', code: 'SERVFAIL', detail: 'the servers failed' }, SERVFAIL_CACHE_SECONDS);
      }
      throw err;
    }
    const data = readReplyData(question, reply, this.limits);
    if (data.kind === 'broken') {
      if (data.code === 'SERVFAIL') this.cache.set(key, { kind: 'failure', code: 'SERVFAIL', detail: data.detail }, SERVFAIL_CACHE_SECONDS);
      throw new DnsLookupError(data.code, qname, qtype, data.detail);
    }
    if (data.kind === 'negative') {
      const detail = data.cnameChain.length > 0 ? `at ${data.finalName}, the end of its CNAME chain` : 'from the server';
      if (data.ttl !== undefined) {
        this.cache.set(key, { kind: 'failure', code: data.code, detail }, data.ttl);
        // RFC 2308 §5: a name that does not exist has no data of any type.
        if (data.code === 'NXDOMAIN') this.cache.set(nxdomainKey(data.finalName), { kind: 'failure', code: 'NXDOMAIN', detail: 'from the server' }, data.ttl);
      }
      throw new DnsLookupError(data.code, qname, qtype, detail);
    }
    const records = data.records.map((rr) => ({ ...rr, ttl: Math.min(rr.ttl, this.limits.maxTtl) }));
    const result: LookupResult = { name: qname, type: qtype, records, cnameChain: data.cnameChain, authenticated: reply.flags.ad, ttl: data.ttl };
    this.cache.set(key, { kind: 'answer', result }, data.ttl);
    return result;
  }
}

function typed<T>(result: LookupResult, read: (records: ResourceRecord[]) => T[]): Answer<T> {
  return { name: result.name, values: read(result.records), cnameChain: result.cnameChain, authenticated: result.authenticated, ttl: result.ttl };
}

/**
 * A cached failure, made without a stack trace: "not listed" (NXDOMAIN) is the common answer of
 * every blocklist lookup, and capturing a stack for it cost more than the whole cache hit.
 */
function cachedFailure(code: CachedFailureCode, qname: string, qtype: number, detail: string): DnsLookupError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new DnsLookupError(code, qname, qtype, `${detail} (cached)`);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
