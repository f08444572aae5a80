// The authoritative answer for one question, RFC 1034 §4.3.2 as refined by RFC 2181 (ranking,
// AA), RFC 2308 (negative answers), RFC 4592 (wildcards) and RFC 6604 (rcode after CNAMEs).
// qtype ANY gets one RRset of those at the name (RFC 8482), so it cannot amplify. With
// `dnssecOk` (the query's DO bit), signed zones add RRSIGs and denial proofs (dnssec/).

import { DnssecAnswer } from '../dnssec/signed-answer.ts';
import { isNsec3Owner } from '../dnssec/signed-zone.ts';
import { Rcode, type ResourceRecord } from '../wire/model.ts';
import { canonicalName } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import type { RRset, ZoneNode, ZoneSet, ZoneSnapshot } from '../zone/store.ts';

export interface AuthoritativeAnswer {
  rcode: number;
  /** Set when the first name of the answer is in one of our zones and not delegated away. */
  aa: boolean;
  answer: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
}

/** Bound on CNAME chasing: longer chains are left for the client to follow. */
export const MAX_CNAME_CHAIN = 16;

/** Types that only prove or sign other data: never the one RRset of a minimal ANY answer. */
const DNSSEC_META: ReadonlySet<number> = new Set([RRType.RRSIG, RRType.NSEC, RRType.NSEC3]);

/** Types whose RDATA names a host whose addresses a client will want next (RFC 1035 §3.3, RFC 2782). */
const ADDITIONAL_TARGET: ReadonlyMap<number, string> = new Map([
  [RRType.MX, 'exchange'],
  [RRType.NS, 'nsdname'],
  [RRType.SRV, 'target'],
]);

export function answerQuestion(zones: ZoneSet, qname: string, qtype: number, dnssecOk = false): AuthoritativeAnswer {
  const result: AuthoritativeAnswer = { rcode: Rcode.NOERROR, aa: false, answer: [], authority: [], additional: [] };
  const dnssec = dnssecOk ? new DnssecAnswer(result) : undefined;
  const seen = new Set<string>();
  let name = qname;
  for (let step = 0; step <= MAX_CNAME_CHAIN; step++) {
    const key = canonicalName(name);
    seen.add(key);
    if (zones.isUnavailable(key)) {
      // Ours, but with no data to vouch for (RFC 1035 §3.3.13: an expired secondary zone).
      if (step === 0) result.rcode = Rcode.SERVFAIL;
      break;
    }
    const parentSide = qtype === RRType.DS;
    const zone = zones.zoneFor(key, parentSide);
    if (zone === undefined) {
      if (step === 0) result.rcode = Rcode.REFUSED;
      break;
    }
    if (step === 0) result.aa = true;

    const cut = zone.cutAbove(key, parentSide);
    if (cut !== undefined) {
      if (step === 0) result.aa = false;
      const ns = zone.node(cut)!.get(RRType.NS)!;
      result.authority.push(...ns.records);
      dnssec?.referral(zone, cut);
      addTargetAddresses(zones, ns.records, result, dnssec);
      break;
    }

    let node: ZoneNode | undefined = zone.node(key);
    // NSEC3 chain links are not names of the zone (RFC 5155 §7.2.9).
    const hidden = node !== undefined && isNsec3Owner(node);
    if (hidden) node = undefined;
    let wildcardOwner: string | undefined;
    if (node === undefined && (hidden || !zone.exists(key))) {
      const wildcard = zone.wildcardFor(key);
      if (wildcard === undefined) {
        result.rcode = Rcode.NXDOMAIN;
        result.authority.push(zone.negativeSoa);
        dnssec?.nameError(zone, key);
        break;
      }
      node = wildcard.node;
      wildcardOwner = wildcard.owner;
    }
    const synthesisedOwner = wildcardOwner === undefined ? undefined : name;
    if (node === undefined) {
      negative(zone, result);
      dnssec?.noData(zone, key);
      break;
    }

    if (qtype === RRType.ANY) {
      // The first RRset that is data, not DNSSEC machinery; with DO it brings its RRSIGs.
      const one = [...node.values()].find((rrset) => !DNSSEC_META.has(rrset.type));
      if (one === undefined) {
        negative(zone, result);
        break;
      }
      appendRRset(one, synthesisedOwner, result, node, dnssec);
      if (wildcardOwner !== undefined) dnssec?.wildcardAnswer(zone, key, wildcardOwner);
      addTargetAddresses(zones, result.answer, result, dnssec);
      break;
    }
    const rrset = node.get(qtype);
    if (rrset !== undefined) {
      appendRRset(rrset, synthesisedOwner, result, node, dnssec);
      if (wildcardOwner !== undefined) dnssec?.wildcardAnswer(zone, key, wildcardOwner);
      addTargetAddresses(zones, rrset.records, result, dnssec);
      break;
    }
    const cname = node.get(RRType.CNAME);
    if (cname === undefined) {
      negative(zone, result);
      if (wildcardOwner === undefined) dnssec?.noData(zone, key);
      else dnssec?.wildcardNoData(zone, key, wildcardOwner);
      break;
    }
    appendRRset(cname, synthesisedOwner, result, node, dnssec);
    if (wildcardOwner !== undefined) dnssec?.wildcardAnswer(zone, key, wildcardOwner);
    const target = String(cname.records[0].data.target);
    if (seen.has(canonicalName(target))) break;
    name = target;
  }
  return result;
}

function negative(zone: ZoneSnapshot, result: AuthoritativeAnswer): void {
  result.authority.push(zone.negativeSoa);
}

function appendRRset(rrset: RRset, synthesisedOwner: string | undefined, result: AuthoritativeAnswer, node: ZoneNode, dnssec: DnssecAnswer | undefined): void {
  if (synthesisedOwner === undefined) result.answer.push(...rrset.records);
  else for (const rr of rrset.records) result.answer.push({ ...rr, name: synthesisedOwner });
  dnssec?.sign(result.answer, node, rrset.type, synthesisedOwner);
}

/** A and AAAA of the MX/NS/SRV targets that we hold (in any of our zones), once per target. */
function addTargetAddresses(zones: ZoneSet, records: readonly ResourceRecord[], result: AuthoritativeAnswer, dnssec: DnssecAnswer | undefined): void {
  const done = new Set<string>();
  for (const rr of records) {
    const field = ADDITIONAL_TARGET.get(rr.type);
    if (field === undefined) continue;
    const key = canonicalName(String(rr.data[field]));
    if (done.has(key)) continue;
    done.add(key);
    const node = zones.zoneFor(key)?.node(key);
    if (node === undefined) continue;
    for (const type of [RRType.A, RRType.AAAA]) {
      const addresses = node.get(type);
      if (addresses === undefined) continue;
      result.additional.push(...addresses.records);
      dnssec?.sign(result.additional, node, type);
    }
  }
}
