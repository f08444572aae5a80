// The stages a DNS server puts in front of its responder, outermost first (CoreDNS's static
// pipeline): counting, response rate limiting, recursion. Built from plain settings, so that a
// cluster worker gets them in its start message like the rest of its options.

import type { Logger } from '../../log/logger.ts';
import { accessList, type AccessRule } from '../acl.ts';
import { keyRing, type TsigKeySpec } from '../tsig/keys.ts';
import type { Endpoint } from '../server/endpoints.ts';
import { countingHandler, dnsCounters, type DnsCounters } from '../server/counters.ts';
import { rateLimited } from '../server/rate-limit.ts';
import type { QueryHandler } from '../server/transport.ts';
import type { ZoneSet } from '../zone/store.ts';
import { RecursorCache } from './cache.ts';
import { RecursionStage } from './recursion-stage.ts';
import { Recursor } from './recursor.ts';
import { ianaRootHints, loadRootHints } from './root-hints.ts';

export interface RecursionSettings {
  /** Clients that may use recursion: networks and TSIG keys (dns.recursion.allow). */
  allow: AccessRule[];
  /** A root hints file; absent: the IANA root servers. */
  rootHints?: string;
  /** Upstream resolvers to forward to instead of iterating from the root. */
  forwarders: Endpoint[];
  serveStale: boolean;
  qnameMinimisation: boolean;
  /** The port authoritative servers are asked on (53 but in a private test hierarchy). */
  serverPort: number;
  /** RRsets and negative answers kept. */
  cacheEntries: number;
  /** How long one server gets to reply before the next is tried. */
  timeoutMs?: number;
}

export interface RateLimitConfig {
  responsesPerSecond: number;
  slip: number;
  /** Clients never limited: CIDRs. */
  exempt: string[];
}

export interface StageSettings {
  recursion?: RecursionSettings;
  rateLimit?: RateLimitConfig;
  /** TSIG keys (dns.keys), for access list rules that name a key. */
  keys?: TsigKeySpec[];
  counters?: DnsCounters;
}

export interface ServerStages {
  handler: QueryHandler;
  /** What the stages count (and the modules that count through them). */
  counters: DnsCounters;
  /** Ends the resolutions in flight. */
  close(): void;
}

/** Seconds stale data is kept for serve-stale (RFC 8767 §5 suggests one to three days). */
const STALE_SECONDS = 86_400;

export async function withServerStages(inner: QueryHandler, settings: StageSettings, zones: () => ZoneSet, logger: Logger): Promise<ServerStages> {
  const counters = settings.counters ?? dnsCounters;
  let handler = inner;
  let recursor: Recursor | undefined;
  const recursion = settings.recursion;
  if (recursion !== undefined) {
    recursor = new Recursor({
      hints: recursion.rootHints === undefined ? ianaRootHints() : await loadRootHints(recursion.rootHints),
      serverPort: recursion.serverPort,
      forwarders: recursion.forwarders,
      qnameMinimisation: recursion.qnameMinimisation,
      serveStale: recursion.serveStale,
      cache: new RecursorCache({ maxEntries: recursion.cacheEntries, staleSeconds: recursion.serveStale ? STALE_SECONDS : 0 }),
      counters,
      logger,
      timeoutMs: recursion.timeoutMs,
    });
    handler = new RecursionStage(handler, { recursor, allow: accessList(recursion.allow), keys: keyRing(settings.keys ?? []), zones, counters, logger }).handle;
  }
  if (settings.rateLimit !== undefined) {
    const { responsesPerSecond, slip, exempt } = settings.rateLimit;
    const exempted = accessList(exempt);
    handler = rateLimited(handler, { responsesPerSecond, slip, exempt: (address) => exempted({ address }) }, counters);
  }
  return { handler: countingHandler(handler, counters), counters, close: () => recursor?.close() };
}
