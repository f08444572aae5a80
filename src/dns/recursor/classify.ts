// What one authoritative server's reply says about the question asked, believing only what the
// server has authority for (its bailiwick, the zone it was asked as a server of): records owned
// by names outside that zone are ignored, whatever section they come in, so a server cannot
// plant data for another zone (cache poisoning).

import { RClass, Rcode, type Message, type ResourceRecord } from '../wire/model.ts';
import { canonicalName, isInZone } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';

export type Step =
  /** The RRset asked for; `chain` is every in-bailiwick RRset from the name to it, to cache. */
  | { kind: 'answer'; records: ResourceRecord[]; chain: ResourceRecord[][] }
  | { kind: 'cname'; record: ResourceRecord; chain: ResourceRecord[][] }
  | { kind: 'nxdomain' | 'nodata'; soa: ResourceRecord | undefined }
  /** A delegation to `cut`, a zone below the one asked and above the name. */
  | { kind: 'referral'; cut: string; ns: ResourceRecord[]; glue: ResourceRecord[] }
  /** Nothing usable: an error, a referral sideways or upwards, answers about other names. */
  | { kind: 'lame' };

/** Bound on the CNAMEs followed inside one reply (the chain across replies has its own). */
const MAX_CHAIN_IN_REPLY = 16;

export function classifyReply(reply: Message, zone: string, qname: string, qtype: number): Step {
  const rcode = reply.flags.rcode;
  if (rcode !== Rcode.NOERROR && rcode !== Rcode.NXDOMAIN) return { kind: 'lame' };
  const ours = (rr: ResourceRecord): boolean => rr.class === RClass.IN && isInZone(rr.name, zone);
  const answers = reply.answers.filter(ours);

  const chain: ResourceRecord[][] = [];
  let name = qname;
  const seen = new Set<string>();
  for (let step = 0; step <= MAX_CHAIN_IN_REPLY; step++) {
    const key = canonicalName(name);
    if (seen.has(key)) break;
    seen.add(key);
    const atName = answers.filter((rr) => canonicalName(rr.name) === key);
    const wanted = atName.filter((rr) => rr.type === qtype || (qtype === RRType.ANY && rr.type !== RRType.RRSIG));
    if (wanted.length > 0) {
      chain.push(wanted);
      break;
    }
    const cname = atName.filter((rr) => rr.type === RRType.CNAME);
    if (cname.length !== 1) break;
    chain.push(cname);
    name = String(cname[0].data.target);
  }
  if (chain.length > 0) {
    const first = chain[0];
    if (first[0].type === RRType.CNAME && qtype !== RRType.CNAME) return { kind: 'cname', record: first[0], chain };
    return { kind: 'answer', records: first, chain };
  }

  const soa = reply.authority.find((rr) => rr.type === RRType.SOA && ours(rr) && isInZone(qname, rr.name));
  if (rcode === Rcode.NXDOMAIN) return { kind: 'nxdomain', soa };
  if (soa !== undefined) return { kind: 'nodata', soa };

  const ns = reply.authority.filter((rr) => rr.type === RRType.NS && ours(rr));
  if (ns.length > 0) return referral(reply, zone, qname, ns, ours);
  // A referral to a zone outside the one asked is no answer at all.
  if (reply.authority.some((rr) => rr.type === RRType.NS)) return { kind: 'lame' };
  // NOERROR with no SOA: a NODATA that cannot be cached, unless the answer held other names only.
  return reply.answers.length === 0 ? { kind: 'nodata', soa: undefined } : { kind: 'lame' };
}

function referral(reply: Message, zone: string, qname: string, ns: ResourceRecord[], ours: (rr: ResourceRecord) => boolean): Step {
  const cut = ns[0].name;
  const cutKey = canonicalName(cut);
  const below = cutKey !== canonicalName(zone) && isInZone(cut, zone) && isInZone(qname, cut);
  if (!below || ns.some((rr) => canonicalName(rr.name) !== cutKey)) return { kind: 'lame' };
  const hosts = new Set(ns.map((rr) => canonicalName(String(rr.data.nsdname))));
  // Glue for hosts inside the delegating zone only: an address for a name elsewhere is not this
  // server's to give.
  const glue = reply.additional.filter((rr) => (rr.type === RRType.A || rr.type === RRType.AAAA) && ours(rr) && hosts.has(canonicalName(rr.name)));
  return { kind: 'referral', cut, ns, glue };
}

/** Records grouped into RRsets by owner and type, in order of first appearance. */
export function rrsetsOf(records: readonly ResourceRecord[]): ResourceRecord[][] {
  const sets = new Map<string, ResourceRecord[]>();
  for (const rr of records) {
    const key = `${canonicalName(rr.name)}/${rr.type}`;
    const set = sets.get(key);
    if (set === undefined) sets.set(key, [rr]);
    else set.push(rr);
  }
  return [...sets.values()];
}
