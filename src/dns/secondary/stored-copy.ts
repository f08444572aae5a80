// A secondary zone's copy on disk, under dataDir, so that it is served after a restart before
// the primary is reached. Written as a master file (the SOA first) to a temporary file, checked
// by the same loader that will serve it, fsync'd and renamed over the old copy: a crash leaves
// the old copy or the new one, never a torn one. The file's mtime is the last time a primary
// confirmed the copy (RFC 1035 §3.3.13's expire counts from there, across restarts).

import { mkdir, open, rename, stat, unlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncPath } from '../../system/fsync.ts';
import type { ResourceRecord } from '../wire/model.ts';
import { canonicalName } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import { recordToText } from '../wire/text.ts';
import { formatProblem, loadZoneFile } from '../zone/load.ts';
import { TransferError } from './transfer-stream.ts';

export interface StoredCopy {
  records: ResourceRecord[];
  soa: ResourceRecord;
  /** When a primary last confirmed this copy (ms since the epoch). */
  confirmedAt: number;
}

/** Where a secondary zone's copy lives: one file per zone, named so that no zone name can leave the folder. */
export function storedCopyPath(dataDir: string, zone: string): string {
  const safe = canonicalName(zone).replace(/[^a-z0-9.-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return join(dataDir, 'dns', 'secondary', `${safe === '' ? '.root' : safe}.zone`);
}

/** The stored copy, or undefined when there is none yet. Throws when it cannot be read or has errors. */
export async function readStoredCopy(file: string, zone: string): Promise<StoredCopy | undefined> {
  let confirmedAt: number;
  try {
    confirmedAt = (await stat(file)).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const loaded = await loadZoneFile(file, zone);
  if (!loaded.ok) throw new Error(loaded.problems.filter((p) => p.severity === 'error').map(formatProblem).join('; '));
  const apex = canonicalName(loaded.origin);
  const soa = loaded.records.find((rr) => rr.type === RRType.SOA && canonicalName(rr.name) === apex)!;
  return { records: loaded.records, soa, confirmedAt };
}

/** Replaces the stored copy with `records`; throws a TransferError (and keeps the old copy) when
 *  they do not make a zone that can be served. */
export async function writeStoredCopy(file: string, zone: string, records: readonly ResourceRecord[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o750 });
  const temporary = `${file}.${process.pid}.tmp`;
  const apex = canonicalName(zone);
  const isApexSoa = (rr: ResourceRecord): boolean => rr.type === RRType.SOA && canonicalName(rr.name) === apex;
  const lines = [`; secondary zone ${zone || '.'}, written by Postern from a zone transfer`, ...records.filter(isApexSoa).map(recordToText), ...records.filter((rr) => !isApexSoa(rr)).map(recordToText), ''];
  const handle = await open(temporary, 'w', 0o640);
  try {
    await handle.writeFile(lines.join('\n'));
    await handle.sync();
  } finally {
    await handle.close();
  }
  const check = await loadZoneFile(temporary, zone);
  if (!check.ok) {
    await unlink(temporary);
    throw new TransferError(`the transferred zone has errors: ${check.problems.filter((p) => p.severity === 'error').map((p) => p.message).slice(0, 3).join('; ')}`);
  }
  await rename(temporary, file);
  await fsyncPath(dirname(file));
}

/** Records that a primary confirmed the copy just now (its serial is still the primary's). */
export async function markConfirmed(file: string, at = new Date()): Promise<void> {
  await utimes(file, at, at);
}
