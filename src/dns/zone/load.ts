// Loading a zone from its master file for the server's reload and `postern dns check-zone`:
// parse, check like named-checkzone, and say whether the zone may be served.

import type { ResourceRecord } from '../wire/model.ts';
import { canonicalName, nameFromText } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import { checkZone } from './checks.ts';
import { parseMasterFile } from './masterfile.ts';
import type { ZoneProblem } from './problems.ts';

export { formatProblem, ZoneFileError, type ZoneProblem } from './problems.ts';

export interface LoadedZone {
  origin: string;
  records: ResourceRecord[];
  /** The apex SOA's serial; 0 when the zone has none (and is therefore not ok). */
  serial: number;
  problems: ZoneProblem[];
  /** No error-severity problems: the zone may be served. */
  ok: boolean;
}

export interface LoadZoneOptions {
  /** Used as if the file began with "$TTL defaultTtl". */
  defaultTtl?: number;
}

/** Reads and checks a zone. Never throws for a bad file or origin: everything wrong is in `problems`.
 *  The semantic checks run only on a file that parsed cleanly, so one typo in the SOA does not
 *  also show up as "no SOA record". */
export async function loadZoneFile(file: string, origin: string, opts: LoadZoneOptions = {}): Promise<LoadedZone> {
  let zoneOrigin: string;
  try {
    zoneOrigin = nameFromText(origin, '');
  } catch (err) {
    const message = `bad zone origin "${origin}": ${err instanceof Error ? err.message : String(err)}`;
    return { origin, records: [], serial: 0, problems: [{ severity: 'error', file, name: origin, message }], ok: false };
  }
  const parsed = await parseMasterFile(file, { origin: zoneOrigin, defaultTtl: opts.defaultTtl });
  const problems = [...parsed.problems];
  let records: ResourceRecord[] = [];
  if (!problems.some((p) => p.severity === 'error')) {
    const checked = checkZone(parsed.records, zoneOrigin, file);
    records = checked.records;
    problems.push(...checked.problems);
  }
  const apex = canonicalName(zoneOrigin);
  const soa = records.find((r) => r.type === RRType.SOA && canonicalName(r.name) === apex);
  return {
    origin: zoneOrigin,
    records,
    serial: soa === undefined ? 0 : Number(soa.data.serial),
    problems,
    ok: !problems.some((p) => p.severity === 'error'),
  };
}
