// Applies an IXFR's differences to our copy of the zone. Each deletion must name a record we
// hold (compared as RFC 2136 compares RDATA, TTL aside): a primary whose differences do not fit
// our copy is answered by asking for the whole zone instead.

import type { ResourceRecord } from '../wire/model.ts';
import { canonicalName } from '../wire/names.ts';
import { sameRdata } from '../update/rdata-equality.ts';
import { TransferError, type Difference } from './transfer-stream.ts';

const rrsetKey = (rr: ResourceRecord): string => `${rr.type}/${canonicalName(rr.name)}`;

export function applyDifferences(records: readonly ResourceRecord[], differences: readonly Difference[]): ResourceRecord[] {
  const byRRset = new Map<string, ResourceRecord[]>();
  for (const rr of records) {
    const key = rrsetKey(rr);
    const rrset = byRRset.get(key);
    if (rrset === undefined) byRRset.set(key, [rr]);
    else rrset.push(rr);
  }
  for (const difference of differences) {
    for (const gone of difference.removed) {
      const rrset = byRRset.get(rrsetKey(gone));
      const at = rrset?.findIndex((rr) => sameRdata(rr, gone)) ?? -1;
      if (at < 0) throw new TransferError(`the difference ${difference.from} → ${difference.to} deletes ${gone.name} type ${gone.type}, which our copy does not hold`);
      rrset!.splice(at, 1);
    }
    for (const added of difference.added) {
      const key = rrsetKey(added);
      const rrset = byRRset.get(key);
      const at = rrset?.findIndex((rr) => sameRdata(rr, added)) ?? -1;
      if (rrset === undefined) byRRset.set(key, [added]);
      else if (at < 0) rrset.push(added);
      else rrset[at] = added;
    }
  }
  return [...byRRset.values()].flat();
}
