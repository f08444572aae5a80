// RFC 2136 dynamic update, the part that decides: the prerequisites (§3.2) checked against the
// zone as it is, the update section checked whole before anything changes (§3.4.1), then applied
// (§3.4.2) to a copy. The zone's SOA serial goes up by one when anything changed and the update
// did not set a newer serial itself. Pure: the caller stores, journals and serves the result.
import { nextSerial, serialNewer } from '../zone/serial.ts';
import { RClass, Rcode, type ResourceRecord } from '../wire/model.ts';
import { canonicalName, isInZone } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import { recordKey, sameRdata } from './rdata-equality.ts';

export interface UpdateRequest {
  /** The zone named in the zone section (model form). */
  zone: string;
  prerequisites: readonly ResourceRecord[];
  updates: readonly ResourceRecord[];
}

export type UpdateResult =
  | { rcode: Rcode.NOERROR; changed: false }
  | { rcode: Rcode.NOERROR; changed: true; records: ResourceRecord[]; removed: ResourceRecord[]; added: ResourceRecord[]; serial: number }
  | { rcode: Exclude<Rcode, Rcode.NOERROR>; reason: string };

/** Types that never appear as data (RFC 2136 §3.4.1.2). */
const META_TYPES: ReadonlySet<number> = new Set([RRType.ANY, 251, 252, 253, 254]); // ANY, IXFR, AXFR, MAILB, MAILA
const isData = (rr: ResourceRecord) => rr.data && Object.keys(rr.data).length > 0;

function key(name: string, type: number): string {
  return `${canonicalName(name)}/${type}`;
}

/** The zone's records by canonical owner name: every check and change touches a few names, not the whole zone. */
type ByName = Map<string, ResourceRecord[]>;

function indexByName(records: readonly ResourceRecord[]): ByName {
  const byName: ByName = new Map();
  for (const r of records) {
    const name = canonicalName(r.name);
    const list = byName.get(name);
    if (list) list.push(r);
    else byName.set(name, [r]);
  }
  return byName;
}

function checkPrerequisites(request: UpdateRequest, byName: ByName): UpdateResult | undefined {
  const valueDependent = new Map<string, ResourceRecord[]>();
  for (const p of request.prerequisites) {
    if (p.ttl !== 0) return { rcode: Rcode.FORMERR, reason: 'a prerequisite with a TTL' };
    if (!isInZone(p.name, request.zone)) return { rcode: Rcode.NOTZONE, reason: `prerequisite ${p.name} is outside the zone` };
    const atName = byName.get(canonicalName(p.name)) ?? [];
    if (p.class === RClass.ANY) {
      if (isData(p)) return { rcode: Rcode.FORMERR, reason: 'a class ANY prerequisite with data' };
      if (p.type === RRType.ANY) {
        if (atName.length === 0) return { rcode: Rcode.NXDOMAIN, reason: `name ${p.name} is not in use` };
      } else if (!atName.some((r) => r.type === p.type)) return { rcode: Rcode.NXRRSET, reason: `no ${p.type} RRset at ${p.name}` };
    } else if (p.class === RClass.NONE) {
      if (isData(p)) return { rcode: Rcode.FORMERR, reason: 'a class NONE prerequisite with data' };
      if (p.type === RRType.ANY) {
        if (atName.length > 0) return { rcode: Rcode.YXDOMAIN, reason: `name ${p.name} is in use` };
      } else if (atName.some((r) => r.type === p.type)) return { rcode: Rcode.YXRRSET, reason: `an RRset ${p.type} exists at ${p.name}` };
    } else if (p.class === RClass.IN) {
      const k = key(p.name, p.type);
      valueDependent.set(k, [...(valueDependent.get(k) ?? []), p]);
    } else return { rcode: Rcode.FORMERR, reason: `a prerequisite of class ${p.class}` };
  }
  // "RRset exists (value dependent)": the RRset must be exactly the listed records (§3.2.3).
  for (const wanted of valueDependent.values()) {
    const have = (byName.get(canonicalName(wanted[0]!.name)) ?? []).filter((r) => r.type === wanted[0]!.type);
    const same = have.length === wanted.length && wanted.every((w) => have.some((h) => sameRdata(h, w))) && have.every((h) => wanted.some((w) => sameRdata(h, w)));
    if (!same) return { rcode: Rcode.NXRRSET, reason: `the RRset at ${wanted[0]!.name} differs` };
  }
  return undefined;
}

function prescan(request: UpdateRequest): UpdateResult | undefined {
  for (const u of request.updates) {
    if (!isInZone(u.name, request.zone)) return { rcode: Rcode.NOTZONE, reason: `update ${u.name} is outside the zone` };
    if (u.class === RClass.IN) {
      if (META_TYPES.has(u.type) || !isData(u)) return { rcode: Rcode.FORMERR, reason: `cannot add a record of type ${u.type} without data` };
    } else if (u.class === RClass.ANY) {
      if (u.ttl !== 0 || isData(u) || (META_TYPES.has(u.type) && u.type !== 255)) return { rcode: Rcode.FORMERR, reason: 'a malformed class ANY delete' };
    } else if (u.class === RClass.NONE) {
      if (u.ttl !== 0 || META_TYPES.has(u.type) || !isData(u)) return { rcode: Rcode.FORMERR, reason: 'a malformed class NONE delete' };
    } else return { rcode: Rcode.FORMERR, reason: `an update of class ${u.class}` };
  }
  return undefined;
}

export function applyUpdate(request: UpdateRequest, current: readonly ResourceRecord[]): UpdateResult {
  const byName = indexByName(current);
  const failed = checkPrerequisites(request, byName) ?? prescan(request);
  if (failed) return failed;

  const apex = canonicalName(request.zone);
  // Names the update touches get lists of their own; the rest of the zone is shared as it is.
  const touched = new Map<string, ResourceRecord[]>();
  const at = (name: string): ResourceRecord[] => {
    let list = touched.get(name);
    if (!list) {
      list = [...(byName.get(name) ?? [])];
      touched.set(name, list);
    }
    return list;
  };
  const set = (name: string, list: ResourceRecord[]) => touched.set(name, list);
  const soaOf = () => at(apex).find((r) => r.type === RRType.SOA)!;
  const oldSoa = soaOf();
  let soaSet = false;

  for (const u of request.updates) {
    const name = canonicalName(u.name);
    const atApex = name === apex;
    const list = at(name);
    if (u.class === RClass.IN) {
      // CNAME and other data never share a name (RFC 2136 §3.4.2.2): the update is skipped.
      if (u.type === RRType.CNAME && list.some((r) => r.type !== RRType.CNAME && r.type !== RRType.RRSIG && r.type !== RRType.NSEC)) continue;
      if (u.type !== RRType.CNAME && list.some((r) => r.type === RRType.CNAME)) continue;
      if (u.type === RRType.SOA) {
        const soa = soaOf();
        if (!atApex || !serialNewer(Number(u.data.serial), Number(soa.data.serial))) continue;
        set(name, list.map((r) => (r === soa ? { ...u, name: soa.name, class: RClass.IN } : r)));
        soaSet = true;
        continue;
      }
      const base = u.type === RRType.CNAME ? list.filter((r) => r.type !== RRType.CNAME) : list;
      // An identical record: only its TTL changes; the RRset keeps one TTL (RFC 2181 §5.2).
      if (base.some((r) => sameRdata(r, u))) set(name, base.map((r) => (r.type === u.type ? { ...r, ttl: u.ttl } : r)));
      else set(name, [...base, { ...u, class: RClass.IN }]);
    } else if (u.class === RClass.ANY) {
      const protectedAtApex = (t: number) => atApex && (t === RRType.SOA || t === RRType.NS);
      set(name, list.filter((r) => (u.type !== RRType.ANY && r.type !== u.type) || protectedAtApex(r.type)));
    } else {
      if (u.type === RRType.SOA) continue;
      if (atApex && u.type === RRType.NS && list.filter((r) => r.type === RRType.NS).length === 1) continue;
      set(name, list.filter((r) => !sameRdata(r, u)));
    }
  }

  const removed: ResourceRecord[] = [];
  const added: ResourceRecord[] = [];
  for (const [name, list] of touched) {
    const before = byName.get(name) ?? [];
    const beforeKeys = new Set(before.map(recordKey));
    const afterKeys = new Set(list.map(recordKey));
    removed.push(...before.filter((r) => !afterKeys.has(recordKey(r))));
    added.push(...list.filter((r) => !beforeKeys.has(recordKey(r))));
  }
  if (removed.length === 0 && added.length === 0) return { rcode: Rcode.NOERROR, changed: false };
  if (!soaSet) {
    const bumped = { ...oldSoa, data: { ...oldSoa.data, serial: nextSerial(Number(oldSoa.data.serial)) } };
    set(apex, at(apex).map((r) => (r === oldSoa ? bumped : r)));
    removed.push(oldSoa);
    added.push(bumped);
  }
  const records: ResourceRecord[] = [];
  for (const [name, list] of byName) if (!touched.has(name)) records.push(...list);
  for (const list of touched.values()) records.push(...list);
  return { rcode: Rcode.NOERROR, changed: true, records, removed, added, serial: Number(soaOf().data.serial) };
}
