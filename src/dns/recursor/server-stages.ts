// The stages a DNS server puts in front of its responder, outermost first (CoreDNS's static
// pipeline): counting, response rate limiting, recursion. Built from plain settings, so that a
// cluster worker gets them in its start message like the rest of its options.

import { BlockList, isIPv4 } from 'node:net';
import type { Logger } from '../../log/logger.ts';
import { parseCidr } from '../../config/cidr.ts';
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
  /** Clients that may use recursion: CIDRs. */
  allow: string[];
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
  counters?: DnsCounters;
}

export interface ServerStages {
  handler: QueryHandler;
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
    handler = new RecursionStage(handler, { recursor, allow: cidrMatcher(recursion.allow), zones, counters, logger }).handle;
  }
  if (settings.rateLimit !== undefined) {
    const { responsesPerSecond, slip, exempt } = settings.rateLimit;
    handler = rateLimited(handler, { responsesPerSecond, slip, exempt: cidrMatcher(exempt) }, counters);
  }
  return { handler: countingHandler(handler, counters), close: () => recursor?.close() };
}

/** Whether an address is in one of the CIDRs; IPv4-mapped IPv6 addresses match IPv4 networks. */
function cidrMatcher(cidrs: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const text of cidrs) {
    const cidr = parseCidr(text);
    if (cidr === undefined) throw new Error(`not a network: ${JSON.stringify(text)} (expected e.g. 192.0.2.0/24 or 2001:db8::/32)`);
    list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return (address) => {
    const plain = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;
    try {
      return list.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6');
    } catch {
      return false;
    }
  };
}
