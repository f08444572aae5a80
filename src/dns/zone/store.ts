// The in-memory zones the server answers from. A ZoneSnapshot is immutable once built and a
// ZoneSet is replaced whole on every load or reload (Knot and NSD do the same), so a query
// always sees one complete version of every zone and readers need no locks.

import type { ResourceRecord } from '../wire/model.ts';
import { HISTORY_LIMIT, type Changeset } from './changeset.ts';
import { canonicalName, isInZone, parentName } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';

export interface RRset {
  /** The owner as written in the zone (case kept for answers). */
  readonly owner: string;
  readonly type: number;
  readonly records: readonly ResourceRecord[];
}

/** All RRsets at one owner name, by type. */
export type ZoneNode = ReadonlyMap<number, RRset>;

/** A zone that cannot be served (no SOA at its apex, for one). */
export class ZoneStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZoneStoreError';
  }
}

/** The label joined to `parent`; used to build wildcard owners. */
function childName(label: string, parent: string): string {
  return parent === '' ? label : `${label}.${parent}`;
}

export class ZoneSnapshot {
  /** The SOA as an authority record for negative answers: TTL = min(SOA TTL, SOA minimum), RFC 2308 §3. */
  readonly negativeSoa: ResourceRecord;

  private constructor(
    /** The origin as configured (model form). */
    readonly origin: string,
    /** canonicalName(origin): the key of the zone. */
    readonly apex: string,
    readonly soa: ResourceRecord,
    readonly recordCount: number,
    private readonly nodes: ReadonlyMap<string, ZoneNode>,
    /** Names that own no records but have descendants that do (RFC 4592 §2.2.2). */
    private readonly emptyNonTerminals: ReadonlySet<string>,
    /** Delegation points: owners of NS below the apex. */
    private readonly cuts: ReadonlySet<string>,
    /** The latest versions' differences (dynamic updates), oldest first, for IXFR. */
    readonly history: readonly Changeset[] = [],
  ) {
    const minimum = Number(soa.data.minimum);
    this.negativeSoa = { ...soa, ttl: Math.min(soa.ttl, Number.isFinite(minimum) ? minimum : soa.ttl) };
  }

  get serial(): number {
    return Number(this.soa.data.serial);
  }

  /** Builds the snapshot; records outside the zone are left out (the loader reports them). */
  static fromRecords(origin: string, records: readonly ResourceRecord[]): ZoneSnapshot {
    const apex = canonicalName(origin);
    const nodes = new Map<string, Map<number, RRset>>();
    let count = 0;
    for (const rr of records) {
      if (!isInZone(rr.name, origin)) continue;
      const key = canonicalName(rr.name);
      let node = nodes.get(key);
      if (node === undefined) {
        node = new Map();
        nodes.set(key, node);
      }
      const rrset = node.get(rr.type);
      if (rrset === undefined) node.set(rr.type, { owner: rr.name, type: rr.type, records: [rr] });
      else (rrset.records as ResourceRecord[]).push(rr);
      count++;
    }
    const soaSet = nodes.get(apex)?.get(RRType.SOA);
    if (soaSet === undefined) throw new ZoneStoreError(`zone ${origin || '.'}: no SOA record at the apex`);
    if (soaSet.records.length !== 1) throw new ZoneStoreError(`zone ${origin || '.'}: more than one SOA record at the apex`);

    const emptyNonTerminals = new Set<string>();
    const cuts = new Set<string>();
    for (const [key, node] of nodes) {
      if (key !== apex && node.has(RRType.NS)) cuts.add(key);
      for (let name = key; name !== apex && name !== ''; ) {
        name = parentName(name);
        if (nodes.has(name) || emptyNonTerminals.has(name)) break;
        emptyNonTerminals.add(name);
      }
    }
    return new ZoneSnapshot(origin, apex, soaSet.records[0], count, nodes, emptyNonTerminals, cuts);
  }

  /** The same zone, with the differences that led to it. */
  withHistory(history: readonly Changeset[]): ZoneSnapshot {
    return new ZoneSnapshot(this.origin, this.apex, this.soa, this.recordCount, this.nodes, this.emptyNonTerminals, this.cuts, history.slice(-HISTORY_LIMIT));
  }

  /** Every record of the zone (for updates, transfers and writing the zone back to its file). */
  records(): ResourceRecord[] {
    const out: ResourceRecord[] = [];
    for (const node of this.nodes.values()) for (const rrset of node.values()) out.push(...rrset.records);
    return out;
  }

  /** The RRsets owned by a canonical name, if it owns any. */
  node(key: string): ZoneNode | undefined {
    return this.nodes.get(key);
  }

  /** Whether a canonical name exists in the zone: it owns records or is an empty non-terminal. */
  exists(key: string): boolean {
    return this.nodes.has(key) || this.emptyNonTerminals.has(key);
  }

  /** The highest delegation point at or above a canonical name (below the apex), if any.
   *  With `parentSide`, a cut at the name itself does not count: DS lives on the parent side. */
  cutAbove(key: string, parentSide = false): string | undefined {
    if (this.cuts.size === 0) return undefined;
    let found: string | undefined;
    for (let name = parentSide ? parentName(key) : key; name !== this.apex && isBelowOrAt(name, this.apex); name = parentName(name)) {
      if (this.cuts.has(name)) found = name;
    }
    return found;
  }

  /** The wildcard node that synthesises an answer for a name that does not exist (RFC 4592 §3.3.1):
   *  `*.<closest encloser>`, if the zone has it. */
  wildcardFor(key: string): { owner: string; node: ZoneNode } | undefined {
    let encloser = key;
    do {
      encloser = parentName(encloser);
    } while (encloser !== this.apex && !this.exists(encloser));
    const owner = childName('*', encloser);
    const node = this.nodes.get(owner);
    return node === undefined ? undefined : { owner, node };
  }
}

function isBelowOrAt(key: string, apex: string): boolean {
  return apex === '' || key === apex || key.endsWith(`.${apex}`);
}

/** The zones served, looked up by longest match. Immutable: a reload builds a new set. */
export class ZoneSet {
  private readonly byApex: ReadonlyMap<string, ZoneSnapshot>;
  /** Apexes of zones of ours with no data to serve now (a secondary zone expired or not yet
   *  transferred): their names are answered SERVFAIL, not REFUSED or from a parent zone. */
  private readonly unavailable: ReadonlySet<string>;

  constructor(zones: Iterable<ZoneSnapshot> = [], unavailable: Iterable<string> = []) {
    const byApex = new Map<string, ZoneSnapshot>();
    for (const zone of zones) byApex.set(zone.apex, zone);
    this.byApex = byApex;
    this.unavailable = new Set([...unavailable].map(canonicalName));
  }

  /** Whether the deepest zone of ours holding a canonical name is one with no data to serve now. */
  isUnavailable(key: string): boolean {
    if (this.unavailable.size === 0) return false;
    for (let name = key; ; name = parentName(name)) {
      if (this.unavailable.has(name)) return true;
      if (this.byApex.has(name) || name === '') return false;
    }
  }

  get(origin: string): ZoneSnapshot | undefined {
    return this.byApex.get(canonicalName(origin));
  }

  /** A new set with this zone added or replacing the zone of the same apex. */
  with(zone: ZoneSnapshot): ZoneSet {
    return new ZoneSet([...[...this.byApex.values()].filter((z) => z.apex !== zone.apex), zone], [...this.unavailable].filter((apex) => apex !== zone.apex));
  }

  /** The deepest zone containing a canonical name. With `parentSide`, a zone whose apex is the
   *  name itself is skipped when a parent zone is served too (DS is answered by the parent). */
  zoneFor(key: string, parentSide = false): ZoneSnapshot | undefined {
    if (this.byApex.size === 0) return undefined;
    let name = key;
    if (parentSide) {
      const own = this.byApex.get(key);
      if (own !== undefined && key !== '') return this.zoneFor(parentName(key)) ?? own;
    }
    for (;;) {
      const zone = this.byApex.get(name);
      if (zone !== undefined) return zone;
      if (name === '') return undefined;
      name = parentName(name);
    }
  }
}
