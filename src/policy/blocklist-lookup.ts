// One blocklist question (RFC 5782): is NAME.ZONE listed? An A record in 127.0.0.0/8 among the
// zone's counted codes is a listing, and the zone's TXT record at the same name its reason.
// Whatever else happens (127.255.255.x: the zone refuses us; an answer outside 127/8; SERVFAIL,
// a timeout, a name we cannot ask) is "not listed": a broken list must never refuse mail.
import { ipv4Number, parseIpv4Range, type Ipv4Range } from '../config/address-range.ts';
import { DnsLookupError, type Resolver } from '../dns/resolver/resolver.ts';
import { NameError } from '../dns/wire/errors.ts';
import { RRType } from '../dns/wire/rrtypes.ts';
import type { BlocklistProblems } from './blocklist-problems.ts';
import type { Verdict } from './check.ts';

export interface BlocklistZone {
  zone: string;
  /** Empty: every answer in 127.0.0.0/8 counts. */
  codes: readonly Ipv4Range[];
  weight: number;
}

export interface Listing {
  zone: string;
  weight: number;
  /** The zone's TXT reason, printable ASCII only and bounded; undefined when it has none. */
  reason?: string;
}

const LOOPBACK_NET: Ipv4Range = { first: ipv4Number('127.0.0.0'), last: ipv4Number('127.255.255.255') };
/** Spamhaus and others answer 127.255.255.x for a refused query (open resolver, over quota). */
const ERROR_CODES: Ipv4Range = { first: ipv4Number('127.255.255.0'), last: ipv4Number('127.255.255.255') };
const MAX_REASON_LENGTH = 200;

/** The zones as policy.dnsbl and policy.rhsbl give them (codes already validated there). */
export function blocklistZones(zones: readonly { zone: string; codes: readonly string[]; weight: number }[]): BlocklistZone[] {
  return zones.map(({ zone, codes, weight }) => ({ zone, weight, codes: codes.map((code) => parseIpv4Range(code)!) }));
}

const within = (n: number, range: Ipv4Range) => n >= range.first && n <= range.last;

export async function askZone(resolver: Resolver, name: string, zone: BlocklistZone, problems: BlocklistProblems): Promise<Listing | undefined> {
  const question = `${name}.${zone.zone}`;
  let addresses: number[];
  try {
    const answer = await resolver.resolve(question, RRType.A);
    addresses = answer.records.map((rr) => ipv4Number(rr.data.address as string));
  } catch (err) {
    // A name that cannot be asked (too long with the zone appended) is the client's doing, not the zone's.
    if (err instanceof NameError) return undefined;
    if (err instanceof DnsLookupError && !err.temporary) return undefined;
    problems.report(zone.zone, 'failed', `${question}: ${(err as Error).message}`);
    return undefined;
  }
  if (addresses.some((n) => within(n, ERROR_CODES))) {
    problems.report(zone.zone, 'refused', `${question} answered 127.255.255.x: the zone refuses our queries (over quota, or asked through a public resolver)`);
    return undefined;
  }
  if (addresses.some((n) => !within(n, LOOPBACK_NET))) {
    problems.report(zone.zone, 'garbage', `${question} answered an address outside 127.0.0.0/8; is ${zone.zone} still a blocklist?`);
    return undefined;
  }
  const counted = addresses.some((n) => zone.codes.length === 0 || zone.codes.some((range) => within(n, range)));
  return counted ? { zone: zone.zone, weight: zone.weight, reason: await reasonAt(resolver, question) } : undefined;
}

/** Every zone asked at once; the listings found, in the zones' order. */
export async function askZones(resolver: Resolver, name: string, zones: readonly BlocklistZone[], problems: BlocklistProblems): Promise<Listing[]> {
  const answers = await Promise.all(zones.map((zone) => askZone(resolver, name, zone, problems)));
  return answers.filter((listing) => listing !== undefined);
}

/** 554 5.7.1 when the listings' weights reach the threshold, worded as Postfix words it; undefined otherwise. */
export function blockedVerdict(listings: readonly Listing[], threshold: number, subject: string): Verdict | undefined {
  if (listings.reduce((sum, l) => sum + l.weight, 0) < threshold) return undefined;
  const reason = listings.find((l) => l.reason !== undefined)?.reason;
  const zones = listings.map((l) => l.zone).join(', ');
  return { kind: 'reject', code: 554, enhanced: '5.7.1', text: `Service unavailable; ${subject} blocked using ${zones}${reason ? `: ${reason}` : ''}` };
}

/** The first TXT record at the listed name, cleaned for an SMTP reply (it comes from a third party). */
async function reasonAt(resolver: Resolver, question: string): Promise<string | undefined> {
  try {
    const [first] = (await resolver.resolveTxt(question)).values;
    const text = first?.data.toString('latin1').replace(/[^\x20-\x7e]+/g, ' ').replace(/\s+/g, ' ').trim();
    if (!text) return undefined;
    return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 3)}...` : text;
  } catch {
    return undefined;
  }
}
