// The semantic checks named-checkzone makes on a parsed zone: one SOA at the apex, NS at the
// apex, CNAME exclusivity, out-of-zone and occluded data, glue and addresses for NS, MX and SRV
// targets, targets that are aliases, RRset TTL consistency, and host-name syntax where hosts
// are named (check-names, a warning as there). Duplicate records are dropped silently, as BIND
// does; within an RRset whose TTLs differ, the first record's TTL wins (BIND's "TTL set to
// prior TTL").

import type { ResourceRecord } from '../wire/model.ts';
import { canonicalName, isInZone, labelCount, parentName } from '../wire/names.ts';
import { descriptorOf, RRType, typeToText } from '../wire/rrtypes.ts';
import type { SourcedRecord } from './masterfile.ts';
import type { ZoneProblem } from './problems.ts';

export interface CheckedZone {
  /** In-zone records, duplicates removed, each RRset at one TTL, in file order. */
  records: ResourceRecord[];
  problems: ZoneProblem[];
}

interface RRset {
  /** The type, or for RRSIGs a key per covered type (see rrsigSetKey). */
  key: number;
  type: number;
  first: SourcedRecord;
  /** Distinct records of the set, in file order. */
  members: SourcedRecord[];
  /** RDATA identities of the members, made when a second record arrives (most sets have one). */
  identities: Set<string> | undefined;
}

/** All RRsets at one owner name; a handful at most, so an array beats a map. */
interface ZoneNode {
  name: string;
  rrsets: RRset[];
}

/** Types that may sit beside a CNAME (RFC 2181 §10.1, RFC 4035 §2.5). */
const CNAME_COMPANIONS = new Set<number>([RRType.CNAME, RRType.RRSIG, RRType.NSEC]);
/** Types that belong at a delegation point, besides glue. */
const AT_CUT = new Set<number>([RRType.NS, RRType.DS, RRType.RRSIG, RRType.NSEC, RRType.A, RRType.AAAA]);

export function checkZone(sourced: SourcedRecord[], origin: string, file?: string): CheckedZone {
  const found: Array<{ at: SourcedRecord | undefined; problem: ZoneProblem }> = [];
  const problem: Reporter = (severity, at, name, message) => {
    found.push({ at, problem: { severity, file: at?.file ?? file, line: at?.line, name, message } });
  };
  const apexKey = canonicalName(origin);
  const shownOrigin = origin || '.';

  const nodes = new Map<string, ZoneNode>();
  const records: ResourceRecord[] = [];
  for (const s of sourced) {
    const r = s.record;
    const key = canonicalName(r.name);
    if (!isInZone(key, apexKey)) {
      problem('error', s, r.name, `${r.name}: out-of-zone data (not at or below ${shownOrigin})`);
      continue;
    }
    let node = nodes.get(key);
    if (node === undefined) {
      node = { name: r.name, rrsets: [] };
      nodes.set(key, node);
    }
    const setKey = r.type === RRType.RRSIG ? rrsigSetKey(r) : r.type;
    const rrset = rrsetOf(node, setKey);
    if (rrset === undefined) {
      node.rrsets.push({ key: setKey, type: r.type, first: s, members: [s], identities: undefined });
      records.push(r);
      continue;
    }
    // Like BIND, a duplicate with another TTL still gets the warning before it is dropped.
    const ttl = rrset.first.record.ttl;
    if (r.ttl !== ttl) {
      problem('warning', s, r.name, `${r.name} ${typeToText(r.type)}: TTL ${r.ttl} differs from the RRset's TTL ${ttl} (line ${rrset.first.line}); using ${ttl}`);
    }
    if (isDuplicate(rrset, r)) continue;
    rrset.members.push(s);
    records.push(r.ttl === ttl ? r : { ...r, ttl });
  }

  const apexSoa = rrsetOf(nodes.get(apexKey), RRType.SOA);
  if (apexSoa === undefined) problem('error', undefined, origin, `${shownOrigin}: no SOA record at the zone apex`);
  else if (apexSoa.members.length > 1) problem('error', apexSoa.members[1], origin, `${shownOrigin}: more than one SOA record`);
  if (rrsetOf(nodes.get(apexKey), RRType.NS) === undefined) problem('error', apexSoa?.first, origin, `${shownOrigin}: no NS records at the zone apex`);

  const cuts = delegationPoints(nodes, apexKey);
  for (const [key, node] of nodes) {
    const soa = rrsetOf(node, RRType.SOA);
    if (key !== apexKey && soa !== undefined) problem('error', soa.first, node.name, `${node.name}: SOA record not at the zone apex`);
    checkCname(node, problem);
    checkOcclusion(nodes, node, key, cuts, apexKey, problem);
    checkHostNames(node, problem);
  }
  checkTargets(nodes, cuts, apexKey, problem);

  return { records, problems: inFileOrder(found, sourced) };
}

/** Problems in the order of the records they concern (across $INCLUDEs too); zone-wide ones first. */
function inFileOrder(found: Array<{ at: SourcedRecord | undefined; problem: ZoneProblem }>, sourced: SourcedRecord[]): ZoneProblem[] {
  if (found.length === 0) return [];
  const position = new Map<SourcedRecord, number>(sourced.map((s, i) => [s, i]));
  const rank = (at: SourcedRecord | undefined): number => (at === undefined ? -1 : position.get(at)!);
  return found.sort((a, b) => rank(a.at) - rank(b.at)).map((f) => f.problem);
}

/** The RRset of this type (or RRSIG set key) at the node. A plain loop: this runs once per record. */
function rrsetOf(node: ZoneNode | undefined, key: number): RRset | undefined {
  if (node === undefined) return undefined;
  for (const set of node.rrsets) if (set.key === key) return set;
  return undefined;
}

/** Records the set already holds (BIND drops them silently); remembers `r` otherwise. */
function isDuplicate(rrset: RRset, r: ResourceRecord): boolean {
  rrset.identities ??= new Set(rrset.members.map((m) => rdataIdentity(m.record)));
  const identity = rdataIdentity(r);
  if (rrset.identities.has(identity)) return true;
  rrset.identities.add(identity);
  return false;
}

/** Per type, which RDATA fields are domain names; cached because every record asks. */
const nameFieldsByType = new Map<number, ReadonlySet<string>>();

function nameFields(type: number): ReadonlySet<string> {
  let fields = nameFieldsByType.get(type);
  if (fields === undefined) {
    fields = new Set((descriptorOf(type)?.fields ?? []).filter((f) => f.kind === 'name').map((f) => f.name));
    nameFieldsByType.set(type, fields);
  }
  return fields;
}

/** Equal for records BIND would call duplicates: names inside the RDATA compare case-insensitively. */
function rdataIdentity(r: ResourceRecord): string {
  const names = nameFields(r.type);
  let identity = '';
  for (const field in r.data) {
    const value = r.data[field];
    identity += (names.has(field) ? canonicalName(String(value)) : valueIdentity(value)) + ' ';
  }
  return identity;
}

function valueIdentity(value: ResourceRecord['data'][string]): string {
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) return value.map((v) => (Buffer.isBuffer(v) ? v.toString('hex') : String(v))).join(',');
  return String(value);
}

type Reporter = (severity: ZoneProblem['severity'], at: SourcedRecord | undefined, name: string, message: string) => void;

/** RRSIGs form one set per covered type; a negative key keeps them apart from real types. */
function rrsigSetKey(r: ResourceRecord): number {
  return -1 - Number(r.data.typeCovered);
}

function checkCname(node: ZoneNode, problem: Reporter): void {
  const cname = rrsetOf(node, RRType.CNAME);
  if (cname === undefined) return;
  if (cname.members.length > 1) problem('error', cname.members[1], node.name, `${node.name}: more than one CNAME record`);
  for (const rrset of node.rrsets) {
    if (!CNAME_COMPANIONS.has(rrset.type)) {
      problem('error', rrset.first, node.name, `${node.name}: CNAME and other data (${typeToText(rrset.type)})`);
    }
  }
}

/** Names below the apex that hold NS records and are not themselves below another delegation. */
function delegationPoints(nodes: Map<string, ZoneNode>, apexKey: string): Set<string> {
  const candidates: string[] = [];
  for (const [key, node] of nodes) if (key !== apexKey && rrsetOf(node, RRType.NS) !== undefined) candidates.push(key);
  const cuts = new Set<string>();
  for (const key of candidates.sort((a, b) => labelCount(a) - labelCount(b))) {
    if (enclosingCut(key, cuts, apexKey) === undefined) cuts.add(key);
  }
  return cuts;
}

/** The delegation point strictly above `key`, if any. Keys are canonical names. */
function enclosingCut(key: string, cuts: Set<string>, apexKey: string): string | undefined {
  if (cuts.size === 0) return undefined;
  for (let name = key; name !== apexKey && name !== ''; ) {
    name = parentName(name);
    if (cuts.has(name)) return name;
  }
  return undefined;
}

/** Below a delegation only glue (A, AAAA) has a purpose; at it, only what RFC 4035 keeps on the parent side. */
function checkOcclusion(
  nodes: Map<string, ZoneNode>,
  node: ZoneNode,
  key: string,
  cuts: Set<string>,
  apexKey: string,
  problem: Reporter,
): void {
  const above = enclosingCut(key, cuts, apexKey);
  if (above === undefined && !cuts.has(key)) return;
  const cut = nodes.get(above ?? key)!.name;
  for (const rrset of node.rrsets) {
    const allowed = above !== undefined ? rrset.type === RRType.A || rrset.type === RRType.AAAA : AT_CUT.has(rrset.type);
    if (!allowed) {
      problem('warning', rrset.first, node.name, `${node.name} ${typeToText(rrset.type)}: occluded by the delegation at ${cut}; it will not be served`);
    }
  }
}

/** Where NS, MX and SRV records point, by the descriptor's field names. */
const TARGET_FIELD = new Map<number, string>([
  [RRType.NS, 'nsdname'],
  [RRType.MX, 'exchange'],
  [RRType.SRV, 'target'],
]);

/** Targets inside the zone must not be aliases and should have addresses; name servers must (glue below a cut). */
function checkTargets(nodes: Map<string, ZoneNode>, cuts: Set<string>, apexKey: string, problem: Reporter): void {
  for (const [key, node] of nodes) {
    const atCut = cuts.has(key);
    const belowCut = enclosingCut(key, cuts, apexKey) !== undefined;
    for (const rrset of node.rrsets) {
      const field = TARGET_FIELD.get(rrset.key);
      if (field === undefined) continue;
      // Occluded records (reported as such) point nowhere that matters; the NS records of a cut do.
      if (belowCut || (atCut && rrset.type !== RRType.NS)) continue;
      for (const s of rrset.members) {
        const target = String(s.record.data[field]);
        const targetKey = canonicalName(target);
        if (!isInZone(targetKey, apexKey)) continue;
        const targetNode = nodes.get(targetKey);
        const hasAddress = rrsetOf(targetNode, RRType.A) !== undefined || rrsetOf(targetNode, RRType.AAAA) !== undefined;
        if (rrsetOf(targetNode, RRType.CNAME) !== undefined) {
          problem('warning', s, node.name, `${pointer(node, rrset, target)}: the target is an alias (CNAME), which RFC 2181 §10.3 forbids`);
        } else if (!hasAddress) {
          // Below a delegation only glue can give the address; elsewhere the zone itself should.
          const targetBelowCut = cuts.has(targetKey) || enclosingCut(targetKey, cuts, apexKey) !== undefined;
          if (rrset.type === RRType.NS) {
            const what = pointer(node, rrset, target);
            problem('error', s, node.name, targetBelowCut ? `${what}: missing glue (no A or AAAA record for ${target})` : `${what}: the name server has no A or AAAA record`);
          } else if (!targetBelowCut) {
            problem('warning', s, node.name, `${pointer(node, rrset, target)}: the target has no A or AAAA record`);
          }
        }
      }
    }
  }
}

/** "owner TYPE target", how the messages name a pointing record. */
function pointer(node: ZoneNode, rrset: RRset, target: string): string {
  return `${node.name} ${typeToText(rrset.type)} ${target}`;
}

/** RFC 952/1123 host names: letters, digits and inner hyphens in each label. */
const HOST_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;

/** Owner types that name a host (or a mail domain), and the RDATA fields that name hosts. */
const HOST_OWNER_TYPES = new Set<number>([RRType.A, RRType.AAAA, RRType.MX]);
const HOST_FIELDS = new Map<number, string>([
  [RRType.NS, 'nsdname'],
  [RRType.MX, 'exchange'],
  [RRType.SRV, 'target'],
  [RRType.SOA, 'mname'],
]);

/** Owners may also be wildcards: "*" or "*." before a host name. */
function isHostName(name: string, owner: boolean): boolean {
  if (owner && (name === '*' || name.startsWith('*.'))) return name === '*' || HOST_NAME.test(name.slice(2));
  return HOST_NAME.test(name);
}

function checkHostNames(node: ZoneNode, problem: Reporter): void {
  for (const rrset of node.rrsets) {
    if (HOST_OWNER_TYPES.has(rrset.type) && node.name !== '' && !isHostName(node.name, true)) {
      problem('warning', rrset.first, node.name, `${node.name} ${typeToText(rrset.type)}: the owner is not a valid host name (check-names)`);
    }
    const field = HOST_FIELDS.get(rrset.type);
    if (field === undefined) continue;
    for (const s of rrset.members) {
      const target = String(s.record.data[field]);
      // The root stands for "no service" (null MX, RFC 7505; SRV, RFC 2782).
      if (target !== '' && !isHostName(target, false)) {
        problem('warning', s, node.name, `${node.name} ${typeToText(rrset.type)} ${target}: not a valid host name (check-names)`);
      }
    }
  }
}
