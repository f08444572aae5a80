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

export function sameRdata(a: ResourceRecord, b: ResourceRecord): boolean {
  return a.type === b.type && canonicalRdata(a.type, a.data).equals(canonicalRdata(b.type, b.data));
}

/** The same record: owner (case-insensitively), type, data and TTL. */
export function sameRecord(a: ResourceRecord, b: ResourceRecord): boolean {
  return a.ttl === b.ttl && canonicalName(a.name) === canonicalName(b.name) && sameRdata(a, b);
}
