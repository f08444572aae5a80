// What DNSSEC adds to an authoritative answer when the query set DO (RFC 4035 §3.1): the
// RRSIGs of every RRset sent from a signed zone, and the NSEC or NSEC3 records that prove a
// name or type absent (RFC 4035 §3.1.3, RFC 5155 §7.2), each proof once per answer. Answers
// from unsigned zones are left as they are. The AD bit is never ours to set (RFC 4035 §3.1.6).

import type { ResourceRecord } from '../wire/model.ts';
import { parentName } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import type { ZoneNode, ZoneSnapshot } from '../zone/store.ts';
import { SignedZone, signaturesAt, type DenialLink } from './signed-zone.ts';

export interface AnswerSections {
  answer: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
}

export class DnssecAnswer {
  private readonly linksSent = new Set<string>();

  constructor(private readonly result: AnswerSections) {}

  /** The RRSIGs of the RRset of `type` at `node`, into `section`. A wildcard's signatures take
   *  the synthesised owner; their labels field still tells a validator it was a wildcard. */
  sign(section: ResourceRecord[], node: ZoneNode, type: number, synthesisedOwner?: string): void {
    for (const sig of signaturesAt(node, type)) section.push(synthesisedOwner === undefined ? sig : { ...sig, name: synthesisedOwner });
  }

  /** NXDOMAIN: `qname` does not exist and no wildcard could have made it (RFC 4035 §3.1.3.2, RFC 5155 §7.2.2). */
  nameError(zone: ZoneSnapshot, qname: string): void {
    const view = this.negative(zone);
    if (view === undefined) return;
    if (view.usesNsec3) {
      const encloser = this.closestEncloserProof(view, zone, qname);
      this.send(view.covering(wildcardAt(encloser)));
    } else {
      this.send(view.covering(qname));
      this.send(view.covering(wildcardAt(closestEncloser(zone, qname))));
    }
  }

  /** NODATA: `qname` exists (maybe as an empty non-terminal) but not with the type asked
   *  (RFC 4035 §3.1.3.1, RFC 5155 §7.2.3; §7.2.4 for DS under an opt-out span). */
  noData(zone: ZoneSnapshot, qname: string): void {
    const view = this.negative(zone);
    if (view !== undefined) this.noRRset(view, zone, qname);
  }

  /** NODATA from a wildcard: no exact match, and the wildcard lacks the type (RFC 4035 §3.1.3.4, RFC 5155 §7.2.5). */
  wildcardNoData(zone: ZoneSnapshot, qname: string, wildcardOwner: string): void {
    const view = this.negative(zone);
    if (view === undefined) return;
    if (view.usesNsec3) {
      const encloser = parentName(wildcardOwner);
      this.send(view.matching(encloser));
      this.send(view.covering(nextCloser(qname, encloser)));
    } else {
      this.send(view.covering(qname));
    }
    this.send(view.matching(wildcardOwner));
  }

  /** An answer synthesised from a wildcard: the proof that `qname` itself does not exist
   *  (RFC 4035 §3.1.3.3, RFC 5155 §7.2.6). */
  wildcardAnswer(zone: ZoneSnapshot, qname: string, wildcardOwner: string): void {
    const view = SignedZone.of(zone);
    if (!view.signed) return;
    // The signature's labels field names the closest encloser; only the next closer name needs denying.
    this.send(view.covering(view.usesNsec3 ? nextCloser(qname, parentName(wildcardOwner)) : qname));
  }

  /** A referral: the DS RRset with its RRSIGs, or the proof that the delegation has none
   *  (RFC 4035 §3.1.4; RFC 5155 §7.2.7, an opt-out span included). */
  referral(zone: ZoneSnapshot, cut: string): void {
    const view = SignedZone.of(zone);
    if (!view.signed) return;
    const node = zone.node(cut)!;
    const ds = node.get(RRType.DS);
    if (ds !== undefined) {
      this.result.authority.push(...ds.records);
      this.sign(this.result.authority, node, RRType.DS);
      return;
    }
    this.noRRset(view, zone, cut);
  }

  /** The zone's view if it is signed, with the negative answer's SOA signed too. */
  private negative(zone: ZoneSnapshot): SignedZone | undefined {
    const view = SignedZone.of(zone);
    if (!view.signed) return undefined;
    // The SOA went out with the negative TTL (RFC 2308 §3); its RRSIGs go with the same TTL.
    const ttl = zone.negativeSoa.ttl;
    for (const sig of signaturesAt(zone.node(zone.apex)!, RRType.SOA)) this.result.authority.push({ ...sig, ttl });
    return view;
  }

  /** The NSEC(3) of an existing name, whose bitmap lacks the type; an empty non-terminal
   *  without one is covered by its predecessor (NSEC) or proven by its encloser (NSEC3 opt-out). */
  private noRRset(view: SignedZone, zone: ZoneSnapshot, qname: string): void {
    const match = view.matching(qname);
    if (match !== undefined) this.send(match);
    else if (view.usesNsec3) this.closestEncloserProof(view, zone, qname);
    else this.send(view.covering(qname));
  }

  /** RFC 5155 §7.2.1: the NSEC3 of the closest provable encloser of `qname` and the one
   *  covering the next closer name. Returns the encloser. */
  private closestEncloserProof(view: SignedZone, zone: ZoneSnapshot, qname: string): string {
    let next = qname;
    let encloser = parentName(qname);
    for (;;) {
      const match = view.matching(encloser);
      if (match !== undefined || encloser === zone.apex || encloser === '') {
        this.send(match);
        this.send(view.covering(next));
        return encloser;
      }
      next = encloser;
      encloser = parentName(encloser);
    }
  }

  private send(link: DenialLink | undefined): void {
    if (link === undefined || this.linksSent.has(link.key)) return;
    this.linksSent.add(link.key);
    this.result.authority.push(...link.records);
  }
}

/** The deepest existing ancestor of a name that does not exist (canonical names). */
function closestEncloser(zone: ZoneSnapshot, qname: string): string {
  let encloser = parentName(qname);
  while (encloser !== zone.apex && encloser !== '' && !zone.exists(encloser)) encloser = parentName(encloser);
  return encloser;
}

/** The name one label longer than `encloser` on the way down to `qname`. */
function nextCloser(qname: string, encloser: string): string {
  let name = qname;
  while (name !== '' && parentName(name) !== encloser) name = parentName(name);
  return name;
}

function wildcardAt(encloser: string): string {
  return encloser === '' ? '*' : `*.${encloser}`;
}
