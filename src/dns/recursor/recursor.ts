// Iterative resolution (RFC 1034 §5.3.3) from the root hints down the referrals, or through
// forwarders, into one cache shared by every client. Bounded everywhere: CNAMEs per answer,
// referrals per name, nested lookups of name server addresses, queries sent and time spent per
// client question. Concurrent questions for the same name and type share one resolution.

import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../log/logger.ts';
import { DnsLookupError } from '../resolver/errors.ts';
import { ExchangeError } from '../resolver/exchange-error.ts';
import type { ServerAddress } from '../resolver/resolv-conf.ts';
import { Upstream } from '../resolver/upstream.ts';
import { MAX_CNAME_CHAIN } from '../server/authoritative.ts';
import { Counter, type DnsCounters } from '../server/counters.ts';
import { RClass, Rcode, type Message, type ResourceRecord } from '../wire/model.ts';
import { canonicalName, isInZone, labelCount, nameLabels, parentName } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import { RecursorCache, Trust, withTtl, type Negative } from './cache.ts';
import { classifyReply, rrsetsOf, type Step } from './classify.ts';
import { askServer } from './exchange.ts';
import type { RootHints } from './root-hints.ts';

export interface RecursorOptions {
  hints: RootHints;
  /** The port authoritative servers are asked on: 53, or another for a private test hierarchy. */
  serverPort: number;
  /** Upstream resolvers to forward to instead of iterating. */
  forwarders: ServerAddress[];
  qnameMinimisation: boolean;
  serveStale: boolean;
  cache: RecursorCache;
  counters: DnsCounters;
  logger: Logger;
  /** Wait for one server's reply before trying the next. */
  timeoutMs?: number;
  /** All the work for one client question, nested lookups included. */
  deadlineMs?: number;
}

/** The outcome for a client question; TTLs are what the client should see. */
export interface Resolution {
  rcode: number;
  answer: ResourceRecord[];
  authority: ResourceRecord[];
}

type Outcome =
  | { kind: 'records'; records: ResourceRecord[] }
  | { kind: 'cname'; record: ResourceRecord }
  | { kind: 'nxdomain' | 'nodata'; soa: ResourceRecord | undefined }
  | { kind: 'fail' };

interface Zone {
  name: string;
  hosts: string[];
}

/** One client question's allowance, shared by the lookups it needs. */
interface Work {
  budget: { queriesLeft: number; deadline: number };
  depth: number;
  /** Name server names being looked up, so a lookup that needs itself stops. */
  resolving: Set<string>;
}

const DEFAULT_TIMEOUT_MS = 1500;
const DEFAULT_DEADLINE_MS = 10_000;
/** BIND's max-recursion-queries. */
const MAX_QUERIES_PER_QUESTION = 100;
const MAX_REFERRALS = 30;
/** Lookups of name server addresses inside lookups of name server addresses. */
const MAX_NS_LOOKUP_DEPTH = 4;
const MAX_SERVERS_PER_ZONE = 8;
/** Smoothed round-trip time assumed for a server not asked yet, and added for a timeout. */
const UNKNOWN_RTT_MS = 200;

export class Recursor {
  private readonly inflight = new Map<string, Promise<Resolution>>();
  private readonly rtt = new Map<string, number>();
  private readonly hintAddresses = new Map<string, string[]>();
  private readonly abort = new AbortController();
  private readonly upstream?: Upstream;
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;

  constructor(private readonly options: RecursorOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    // Every exchange in flight listens for the close: hundreds at once are normal.
    setMaxListeners(0, this.abort.signal);
    for (const rr of options.hints.addresses) {
      const key = canonicalName(rr.name);
      this.hintAddresses.set(key, [...(this.hintAddresses.get(key) ?? []), String(rr.data.address)]);
    }
    if (options.forwarders.length > 0) {
      this.upstream = new Upstream({ servers: options.forwarders, timeoutMs: this.timeoutMs, attempts: 2, logger: options.logger, signal: this.abort.signal });
    }
  }

  get cache(): RecursorCache {
    return this.options.cache;
  }

  /** Ends every resolution in flight (they answer SERVFAIL). */
  close(): void {
    this.abort.abort();
  }

  resolve(name: string, type: number): Promise<Resolution> {
    const key = `${canonicalName(name)}/${type}`;
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      const work: Work = { budget: { queriesLeft: MAX_QUERIES_PER_QUESTION, deadline: performance.now() + this.deadlineMs }, depth: 0, resolving: new Set() };
      pending = this.resolveChain(name, type, work).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /** Follows CNAMEs across zones, each link from the cache or by a lookup of its own. */
  private async resolveChain(qname: string, qtype: number, work: Work): Promise<Resolution> {
    const answer: ResourceRecord[] = [];
    const seen = new Set<string>();
    let name = qname;
    for (;;) {
      seen.add(canonicalName(name));
      const outcome = await this.lookup(name, qtype, work);
      switch (outcome.kind) {
        case 'records':
          return { rcode: Rcode.NOERROR, answer: [...answer, ...outcome.records], authority: [] };
        case 'nxdomain':
        case 'nodata':
          return { rcode: outcome.kind === 'nxdomain' ? Rcode.NXDOMAIN : Rcode.NOERROR, answer, authority: outcome.soa === undefined ? [] : [outcome.soa] };
        case 'fail':
          return { rcode: Rcode.SERVFAIL, answer: [], authority: [] };
        case 'cname': {
          answer.push(outcome.record);
          const target = String(outcome.record.data.target);
          if (seen.has(canonicalName(target)) || answer.length > MAX_CNAME_CHAIN) return { rcode: Rcode.SERVFAIL, answer: [], authority: [] };
          name = target;
        }
      }
    }
  }

  private async lookup(name: string, type: number, work: Work): Promise<Outcome> {
    const cached = this.fromCache(name, type, false);
    if (cached !== undefined) {
      this.options.counters.add(Counter.CACHE_HIT);
      return cached;
    }
    this.options.counters.add(Counter.CACHE_MISS);
    let outcome: Outcome;
    try {
      outcome = this.upstream !== undefined ? await this.forward(name, type) : await this.iterate(name, type, work);
    } catch (err) {
      if (!(err instanceof ExchangeError && err.failure === 'ABORTED')) this.options.logger.warn({ err: (err as Error).message, name, type }, 'recursion failed unexpectedly');
      outcome = { kind: 'fail' };
    }
    // RFC 8767: stale data beats no data when every server failed.
    if (outcome.kind === 'fail' && this.options.serveStale) return this.fromCache(name, type, true) ?? outcome;
    return outcome;
  }

  private fromCache(name: string, type: number, stale: boolean): Outcome | undefined {
    const { cache } = this.options;
    const rrset = cache.rrset(name, type, Trust.ANSWER, stale);
    if (rrset !== undefined) return { kind: 'records', records: withTtl(rrset.value.records, rrset.ttlLeft) };
    if (type !== RRType.CNAME) {
      const cname = cache.rrset(name, RRType.CNAME, Trust.ANSWER, stale);
      if (cname !== undefined) return { kind: 'cname', record: withTtl(cname.value.records, cname.ttlLeft)[0] };
    }
    const negative = cache.negative(name, type, stale);
    if (negative === undefined) return undefined;
    const { kind, soa } = negative.value;
    return { kind, soa: soa === undefined ? undefined : withTtl([soa], negative.ttlLeft)[0] };
  }

  private async forward(name: string, type: number): Promise<Outcome> {
    let step: Step;
    try {
      const reply = await this.upstream!.ask({ name, type, class: RClass.IN });
      this.options.counters.add(Counter.RECURSION_UPSTREAM);
      // A forwarder answers for every zone: its whole reply is in its bailiwick.
      step = classifyReply(reply, '', name, type);
    } catch (err) {
      if (err instanceof DnsLookupError) return { kind: 'fail' };
      throw err;
    }
    return this.learn(step, name, type) ?? { kind: 'fail' };
  }

  /** Caches what a final reply says about (name, type) and returns it; undefined for a referral or a lame reply. */
  private learn(step: Step, name: string, type: number): Outcome | undefined {
    const { cache } = this.options;
    switch (step.kind) {
      case 'answer':
      case 'cname':
        for (const rrset of step.chain) cache.putRRset(rrset[0].name, rrset[0].type === RRType.CNAME ? RRType.CNAME : type, rrset, Trust.ANSWER);
        return step.kind === 'answer' ? { kind: 'records', records: step.records } : { kind: 'cname', record: step.record };
      case 'nxdomain':
      case 'nodata': {
        const negative: Negative = { kind: step.kind, soa: step.soa };
        // RFC 2308 §5: without an SOA there is no TTL, and the answer is not cached.
        if (step.soa !== undefined) cache.putNegative(name, type, negative, Math.min(step.soa.ttl, Number(step.soa.data.minimum)));
        return negative;
      }
      default:
        return undefined;
    }
  }

  private async iterate(name: string, type: number, work: Work): Promise<Outcome> {
    let zone = this.closestZone(name, type);
    // RFC 9156: ask each zone for one label more than its own name, until the whole name;
    // relaxed mode: a zone that fails such a question is asked the whole name instead.
    let minimise = this.options.qnameMinimisation && type !== RRType.DS;
    let known = labelCount(zone.name);
    const labels = nameLabels(name);
    for (let round = 0; round < MAX_REFERRALS + labels.length; round++) {
      const partial = minimise && known + 1 < labels.length;
      const qname = partial ? labels.slice(labels.length - known - 1).join('.') : name;
      const qtype = partial ? RRType.A : type;
      if (partial && this.knownNotCut(qname)) {
        known++;
        continue;
      }
      const reply = await this.askZone(zone, qname, qtype, work);
      if (reply === undefined) {
        if (!partial) return { kind: 'fail' };
        minimise = false;
        continue;
      }
      const step = classifyReply(reply, zone.name, qname, qtype);
      if (step.kind === 'referral') {
        this.cacheReferral(step);
        zone = { name: step.cut, hosts: step.ns.map((rr) => String(rr.data.nsdname)) };
        known = labelCount(step.cut);
        continue;
      }
      if (partial) {
        // The shorter name exists and is no zone cut: one label more next time. A lame or
        // NXDOMAIN reply may be a server that mishandles empty non-terminals: ask the whole name.
        if (step.kind === 'lame' || step.kind === 'nxdomain') {
          minimise = false;
        } else {
          // Remembered, so the next name below it skips this question.
          this.learn(step, qname, qtype);
          known++;
        }
        continue;
      }
      return this.learn(step, name, type) ?? { kind: 'fail' };
    }
    return { kind: 'fail' };
  }

  /** A name the cache knows to exist without being a zone cut (a cut's NS would be cached). */
  private knownNotCut(name: string): boolean {
    const { cache } = this.options;
    return cache.negative(name, RRType.A)?.value.kind === 'nodata' || cache.rrset(name, RRType.A, Trust.ANSWER) !== undefined || cache.rrset(name, RRType.CNAME, Trust.ANSWER) !== undefined;
  }

  private cacheReferral(step: Extract<Step, { kind: 'referral' }>): void {
    const { cache } = this.options;
    cache.putRRset(step.cut, RRType.NS, step.ns, Trust.REFERRAL);
    for (const rrset of rrsetsOf(step.glue)) cache.putRRset(rrset[0].name, rrset[0].type, rrset, Trust.GLUE);
  }

  /** The deepest zone whose servers we know, from the cache or the hints. DS is the parent's. */
  private closestZone(name: string, type: number): Zone {
    let at = type === RRType.DS && name !== '' ? parentName(name) : name;
    for (;;) {
      const ns = this.options.cache.rrset(at, RRType.NS, Trust.REFERRAL);
      if (ns !== undefined) return { name: at, hosts: ns.value.records.map((rr) => String(rr.data.nsdname)) };
      if (at === '') return { name: '', hosts: this.options.hints.ns.map((rr) => String(rr.data.nsdname)) };
      at = parentName(at);
    }
  }

  /** A NOERROR or NXDOMAIN reply from one of the zone's servers, fastest known first. */
  private async askZone(zone: Zone, qname: string, qtype: number, work: Work): Promise<Message | undefined> {
    const tried = new Set<string>();
    for (const round of [0, 1]) {
      const addresses = round === 0 ? this.knownAddresses(zone) : await this.lookUpAddresses(zone, work);
      const untried = addresses.filter((a) => !tried.has(a)).sort((a, b) => this.expectedRtt(a) - this.expectedRtt(b));
      for (const address of untried) {
        if (tried.size >= MAX_SERVERS_PER_ZONE || work.budget.queriesLeft <= 0) return undefined;
        const timeLeft = work.budget.deadline - performance.now();
        if (timeLeft <= 0) return undefined;
        tried.add(address);
        work.budget.queriesLeft--;
        const started = performance.now();
        try {
          const reply = await askServer({ address, port: this.options.serverPort }, { name: qname, type: qtype, class: RClass.IN }, Math.min(this.timeoutMs, timeLeft), this.abort.signal, () =>
            this.options.counters.add(Counter.RECURSION_UPSTREAM),
          );
          this.noteRtt(address, performance.now() - started);
          if (reply.flags.rcode === Rcode.NOERROR || reply.flags.rcode === Rcode.NXDOMAIN) return reply;
        } catch (err) {
          if (err instanceof ExchangeError && err.failure === 'ABORTED') throw err;
          this.noteRtt(address, this.timeoutMs + UNKNOWN_RTT_MS);
          this.options.logger.debug({ server: address, name: qname, err: (err as Error).message }, 'name server gave no reply');
        }
      }
    }
    return undefined;
  }

  private knownAddresses(zone: Zone): string[] {
    const out: string[] = [];
    for (const host of zone.hosts) {
      const hinted = zone.name === '' ? this.hintAddresses.get(canonicalName(host)) : undefined;
      if (hinted !== undefined) out.push(...hinted);
      for (const type of [RRType.A, RRType.AAAA]) {
        const rrset = this.options.cache.rrset(host, type, Trust.GLUE);
        if (rrset !== undefined) out.push(...rrset.value.records.map((rr) => String(rr.data.address)));
      }
    }
    return [...new Set(out)];
  }

  /** Looks up the addresses of the zone's servers that came without glue, one at a time. A
   *  server inside the zone itself could only be found through the zone: it is skipped. */
  private async lookUpAddresses(zone: Zone, work: Work): Promise<string[]> {
    if (work.depth >= MAX_NS_LOOKUP_DEPTH) return [];
    for (const host of zone.hosts) {
      const key = canonicalName(host);
      if (isInZone(host, zone.name) || work.resolving.has(key)) continue;
      work.resolving.add(key);
      const found = await this.resolveChain(host, RRType.A, { ...work, depth: work.depth + 1 });
      work.resolving.delete(key);
      const addresses = found.answer.filter((rr) => rr.type === RRType.A).map((rr) => String(rr.data.address));
      if (addresses.length > 0) return addresses;
    }
    return [];
  }

  private expectedRtt(address: string): number {
    return (this.rtt.get(address) ?? UNKNOWN_RTT_MS) + Math.random() * 5;
  }

  private noteRtt(address: string, ms: number): void {
    const old = this.rtt.get(address);
    this.rtt.set(address, old === undefined ? ms : old * 0.7 + ms * 0.3);
  }
}
