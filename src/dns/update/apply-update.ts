// RFC 2136 dynamic update, the part that decides: the prerequisites (§3.2) checked against the
// zone as it is, the update section checked whole before anything changes (§3.4.1), then applied
// (§3.4.2) to a copy. The zone's SOA serial goes up by one when anything changed and the update
// did not set a newer serial itself. Pure: the caller stores, journals and serves the result.
import { nextSerial, serialNewer } from '../zone/serial.ts';
import { RClass, Rcode, type ResourceRecord } from '../wire/model.ts';
import { canonicalName, isInZone } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import { sameRdata, sameRecord } from './rdata-equality.ts';

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

function checkPrerequisites(request: UpdateRequest, records: readonly ResourceRecord[]): UpdateResult | undefined {
  const valueDependent = new Map<string, ResourceRecord[]>();
  for (const p of request.prerequisites) {
    if (p.ttl !== 0) return { rcode: Rcode.FORMERR, reason: 'a prerequisite with a TTL' };
    if (!isInZone(p.name, request.zone)) return { rcode: Rcode.NOTZONE, reason: `prerequisite ${p.name} is outside the zone` };
    const name = canonicalName(p.name);
    const atName = records.filter((r) => canonicalName(r.name) === name);
    if (p.class === RClass.ANY) {
      if (isData(p)) return { rcode: Rcode.FORMERR, reason: 'a class ANY prerequisite with data' };
      if (p.type === 255) {
        if (atName.length === 0) return { rcode: Rcode.NXDOMAIN, reason: `name ${p.name} is not in use` };
      } else if (!atName.some((r) => r.type === p.type)) return { rcode: Rcode.NXRRSET, reason: `no ${p.type} RRset at ${p.name}` };
    } else if (p.class === RClass.NONE) {
      if (isData(p)) return { rcode: Rcode.FORMERR, reason: 'a class NONE prerequisite with data' };
      if (p.type === 255) {
        if (atName.length > 0) return { rcode: Rcode.YXDOMAIN, reason: `name ${p.name} is in use` };
      } else if (atName.some((r) => r.type === p.type)) return { rcode: Rcode.YXRRSET, reason: `an RRset ${p.type} exists at ${p.name}` };
    } else if (p.class === RClass.IN) {
      const k = key(p.name, p.type);
      valueDependent.set(k, [...(valueDependent.get(k) ?? []), p]);
    } else return { rcode: Rcode.FORMERR, reason: `a prerequisite of class ${p.class}` };
  }
  // "RRset exists (value dependent)": the RRset must be exactly the listed records (§3.2.3).
  for (const [k, wanted] of valueDependent) {
    const have = records.filter((r) => key(r.name, r.type) === k);
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
  const failed = checkPrerequisites(request, current) ?? prescan(request);
  if (failed) return failed;

  const apex = canonicalName(request.zone);
  let records = [...current];
  const soa = () => records.find((r) => r.type === RRType.SOA && canonicalName(r.name) === apex)!;
  const oldSerial = Number(soa().data.serial);
  let soaSet = false;

  for (const u of request.updates) {
    const name = canonicalName(u.name);
    const atApex = name === apex;
    if (u.class === RClass.IN) {
      const atName = records.filter((r) => canonicalName(r.name) === name);
      // CNAME and other data never share a name (RFC 2136 §3.4.2.2): the update is skipped.
      if (u.type === RRType.CNAME && atName.some((r) => r.type !== RRType.CNAME && r.type !== RRType.RRSIG && r.type !== RRType.NSEC)) continue;
      if (u.type !== RRType.CNAME && atName.some((r) => r.type === RRType.CNAME)) continue;
      if (u.type === RRType.SOA) {
        if (!atApex || !serialNewer(Number(u.data.serial), Number(soa().data.serial))) continue;
        records = records.map((r) => (r === soa() ? { ...u, name: soa().name, class: RClass.IN } : r));
        soaSet = true;
        continue;
      }
      if (u.type === RRType.CNAME) records = records.filter((r) => !(canonicalName(r.name) === name && r.type === RRType.CNAME));
      const same = records.find((r) => canonicalName(r.name) === name && sameRdata(r, u));
      // An identical record: only its TTL changes; the RRset keeps one TTL (RFC 2181 §5.2).
      if (same) records = records.map((r) => (canonicalName(r.name) === name && r.type === u.type ? { ...r, ttl: u.ttl } : r));
      else records.push({ ...u, class: RClass.IN });
    } else if (u.class === RClass.ANY) {
      const protectedAtApex = (t: number) => atApex && (t === RRType.SOA || t === RRType.NS);
      records = records.filter((r) => canonicalName(r.name) !== name || (u.type !== 255 && r.type !== u.type) || protectedAtApex(r.type));
    } else {
      if (u.type === RRType.SOA) continue;
      const apexNs = records.filter((r) => canonicalName(r.name) === apex && r.type === RRType.NS);
      const lastApexNs = atApex && u.type === RRType.NS && apexNs.length === 1;
      if (lastApexNs) continue;
      records = records.filter((r) => !(canonicalName(r.name) === name && sameRdata(r, u)));
    }
  }

  const removed = current.filter((r) => !records.some((n) => sameRecord(n, r)));
  const added = records.filter((r) => !current.some((o) => sameRecord(o, r)));
  if (removed.length === 0 && added.length === 0) return { rcode: Rcode.NOERROR, changed: false };
  if (!soaSet) {
    const old = soa();
    const bumped = { ...old, data: { ...old.data, serial: nextSerial(oldSerial) } };
    records = records.map((r) => (r === old ? bumped : r));
    removed.push(old);
    added.push(bumped);
  }
  return { rcode: Rcode.NOERROR, changed: true, records, removed, added, serial: Number(soa().data.serial) };
}
