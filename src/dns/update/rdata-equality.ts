// Whether two records carry the same data, as RFC 2136 §1.1.1 compares them: names inside RDATA
// case-insensitively (RFC 4034 §6.2 canonical form), everything else octet for octet.
import { rdataToWire } from '../wire/encode.ts';
import type { RData, ResourceRecord } from '../wire/model.ts';
import { canonicalName } from '../wire/names.ts';
import { descriptorOf } from '../wire/rrtypes.ts';

function canonicalRdata(type: number, data: RData): Buffer {
  const fields = descriptorOf(type)?.fields ?? [];
  const lowered: RData = { ...data };
  for (const field of fields) if (field.kind === 'name' && typeof lowered[field.name] === 'string') lowered[field.name] = (lowered[field.name] as string).toLowerCase();
  return rdataToWire(type, lowered);
}

/** Records are never changed once made, so each one's canonical RDATA is encoded once. */
const encoded = new WeakMap<ResourceRecord, Buffer>();

function canonicalOf(rr: ResourceRecord): Buffer {
  let wire = encoded.get(rr);
  if (!wire) {
    wire = canonicalRdata(rr.type, rr.data);
    encoded.set(rr, wire);
  }
  return wire;
}

export function sameRdata(a: ResourceRecord, b: ResourceRecord): boolean {
  return a.type === b.type && canonicalOf(a).equals(canonicalOf(b));
}

/** The same string for the same record (owner case-insensitively, type, TTL, data): for sets of records. */
export function recordKey(rr: ResourceRecord): string {
  return `${canonicalName(rr.name)}/${rr.type}/${rr.ttl}/${canonicalOf(rr).toString('latin1')}`;
}
