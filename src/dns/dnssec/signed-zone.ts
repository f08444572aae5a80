// What a served zone holds for DNSSEC (RFC 4035 §2, RFC 5155): whether it is signed, and its
// NSEC or NSEC3 chain in order, found once per ZoneSnapshot (snapshots are immutable) by
// walking the chain from the apex, so the store needs to know nothing of DNSSEC.

import type { ResourceRecord } from '../wire/model.ts';
import { canonicalName } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import { base32hexEncode } from '../wire/base32hex.ts';
import type { ZoneNode, ZoneSnapshot } from '../zone/store.ts';
import { canonicalSortKey } from './canonical-name.ts';
import { NSEC3_SHA1, nsec3Hash } from './nsec3-hash.ts';

/** One link of a denial chain: its owner's key and the NSEC(3) records with their RRSIGs. */
export interface DenialLink {
  key: string;
  records: readonly ResourceRecord[];
}

interface Nsec3Params {
  iterations: number;
  salt: Buffer;
}

/** The RRSIGs at `node` covering `type`. */
export function signaturesAt(node: ZoneNode, type: number): ResourceRecord[] {
  const rrsigs = node.get(RRType.RRSIG);
  if (rrsigs === undefined) return [];
  return rrsigs.records.filter((rr) => rr.data.typeCovered === type);
}

/** A node holding only an NSEC3 chain link: not a name of the zone (RFC 5155 §7.2.9). */
export function isNsec3Owner(node: ZoneNode): boolean {
  if (!node.has(RRType.NSEC3)) return false;
  for (const type of node.keys()) if (type !== RRType.NSEC3 && type !== RRType.RRSIG) return false;
  return true;
}

const views = new WeakMap<ZoneSnapshot, SignedZone>();

export class SignedZone {
  /** The apex SOA is signed: answers with DO carry RRSIGs and denial proofs. */
  readonly signed: boolean;
  private readonly nsec3: Nsec3Params | undefined;
  /** The chain sorted by key: canonical sort keys for NSEC, hex hashes for NSEC3. */
  private readonly chainKeys: string[] = [];
  private readonly chainLinks: DenialLink[] = [];

  static of(zone: ZoneSnapshot): SignedZone {
    let view = views.get(zone);
    if (view === undefined) {
      view = new SignedZone(zone);
      views.set(zone, view);
    }
    return view;
  }

  private constructor(private readonly zone: ZoneSnapshot) {
    const apex = zone.node(zone.apex)!;
    this.signed = signaturesAt(apex, RRType.SOA).length > 0;
    if (!this.signed) return;
    const params = apex.get(RRType.NSEC3PARAM)?.records.find((rr) => rr.data.hashAlgorithm === NSEC3_SHA1 && rr.data.flags === 0);
    this.nsec3 = params === undefined ? undefined : { iterations: Number(params.data.iterations), salt: params.data.salt as Buffer };
    const links = this.nsec3 === undefined ? this.walkNsec() : this.walkNsec3(this.nsec3);
    links.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [key, link] of links) {
      this.chainKeys.push(key);
      this.chainLinks.push(link);
    }
  }

  get usesNsec3(): boolean {
    return this.nsec3 !== undefined;
  }

  /** NSEC: the link owned by `name`, if any. NSEC3: the link whose hash is the hash of `name`. */
  matching(name: string): DenialLink | undefined {
    const key = this.chainKey(name);
    const i = this.floor(key);
    return i >= 0 && this.chainKeys[i] === key ? this.chainLinks[i] : undefined;
  }

  /** The link that covers `name` (or matches it): the last one at or before it in chain order,
   *  the last of all when `name` sorts before the first (the chain wraps around). */
  covering(name: string): DenialLink | undefined {
    if (this.chainLinks.length === 0) return undefined;
    const i = this.floor(this.chainKey(name));
    return this.chainLinks[i >= 0 ? i : this.chainLinks.length - 1];
  }

  private chainKey(name: string): string {
    return this.nsec3 === undefined ? canonicalSortKey(name) : nsec3Hash(name, this.nsec3.iterations, this.nsec3.salt).toString('hex');
  }

  /** Index of the last key ≤ `key`, or -1. */
  private floor(key: string): number {
    let low = 0;
    let high = this.chainKeys.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (this.chainKeys[mid] <= key) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }

  /** The NSEC chain from the apex around to it again (or to where it breaks). */
  private walkNsec(): Array<[string, DenialLink]> {
    const links: Array<[string, DenialLink]> = [];
    const seen = new Set<string>();
    for (let key = this.zone.apex; !seen.has(key); ) {
      seen.add(key);
      const nsec = this.zone.node(key)?.get(RRType.NSEC);
      if (nsec === undefined) break;
      links.push([canonicalSortKey(key), this.link(key, RRType.NSEC, nsec.records)]);
      key = canonicalName(String(nsec.records[0].data.next));
    }
    return links;
  }

  /** The NSEC3 chain of these parameters, from the apex's hash around to it again. */
  private walkNsec3(params: Nsec3Params): Array<[string, DenialLink]> {
    const links: Array<[string, DenialLink]> = [];
    const suffix = this.zone.apex === '' ? '' : `.${this.zone.apex}`;
    const seen = new Set<string>();
    for (let hash = nsec3Hash(this.zone.apex, params.iterations, params.salt); ; ) {
      const hex = hash.toString('hex');
      if (seen.has(hex)) break;
      seen.add(hex);
      const key = base32hexEncode(hash) + suffix;
      const record = this.zone
        .node(key)
        ?.get(RRType.NSEC3)
        ?.records.find((rr) => rr.data.hashAlgorithm === NSEC3_SHA1 && rr.data.iterations === params.iterations && (rr.data.salt as Buffer).equals(params.salt));
      if (record === undefined) break;
      links.push([hex, this.link(key, RRType.NSEC3, [record])]);
      hash = record.data.nextHashed as Buffer;
    }
    return links;
  }

  private link(key: string, type: number, records: readonly ResourceRecord[]): DenialLink {
    return { key, records: [...records, ...signaturesAt(this.zone.node(key)!, type)] };
  }
}

