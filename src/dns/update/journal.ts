// The journal of a dynamically updated zone: one line per accepted update, appended and
// fdatasync'd before the update is answered, so updates survive a restart; the zone file is
// rewritten from time to time (zone-file sync) and the journal's older entries then stay only as
// the zone's history (for IXFR). Each line is JSON: the serials and the records removed and
// added, in master-file text, which the zone-file parser reads back.
import { createHash } from 'node:crypto';
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ResourceRecord } from '../wire/model.ts';
import { recordToText } from '../wire/text.ts';
import { parseMasterText } from '../zone/masterfile.ts';
import { serialNewer } from '../zone/serial.ts';
import { HISTORY_LIMIT, type Changeset } from '../zone/changeset.ts';
import { recordKey } from './rdata-equality.ts';

export type { Changeset };

interface JournalLine {
  from: number;
  to: number;
  removed: string[];
  added: string[];
  file?: string;
}

/** The digest a changeset records of its zone file. */
export function fileDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class JournalError extends Error {}

async function parseRecords(lines: string[], file: string, origin: string): Promise<ResourceRecord[]> {
  if (lines.length === 0) return [];
  const parsed = await parseMasterText(lines.join('\n'), file, { origin });
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new JournalError(`${file}: ${errors[0]!.message}`);
  return parsed.records.map((s) => s.record);
}

export class ZoneJournal {
  constructor(
    readonly file: string,
    private readonly origin: string,
  ) {}

  /** Every changeset, oldest first; none when there is no journal yet. A torn last line (a crash mid-write) is ignored. */
  async read(): Promise<Changeset[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    // The part after the last newline is empty, or a line a crash cut short.
    const complete = text.split('\n').slice(0, -1);
    const out: Changeset[] = [];
    for (const line of complete) {
      const entry = JSON.parse(line) as JournalLine;
      out.push({ from: entry.from, to: entry.to, removed: await parseRecords(entry.removed, this.file, this.origin), added: await parseRecords(entry.added, this.file, this.origin), fileDigest: entry.file });
    }
    return out;
  }

  /** Appends one changeset and waits until it is on stable storage. */
  async append(change: Changeset): Promise<void> {
    const line: JournalLine = { from: change.from, to: change.to, removed: change.removed.map(recordToText), added: change.added.map(recordToText), file: change.fileDigest };
    await mkdir(dirname(this.file), { recursive: true, mode: 0o750 });
    await appendFile(this.file, `${JSON.stringify(line)}\n`, { mode: 0o640 });
    const handle = await open(this.file, 'r');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }
}

/** Applies one changeset to a zone's records (the inverse of what applyUpdate reported). */
export function applyChangeset(records: readonly ResourceRecord[], change: Changeset): ResourceRecord[] {
  const removed = new Set(change.removed.map(recordKey));
  const kept = records.filter((r) => !removed.has(recordKey(r)));
  return [...kept, ...change.added];
}

export type Replay =
  /** history: the journal's changesets that chain up to the result, for IXFR. */
  | { kind: 'current'; records: ResourceRecord[]; serial: number; applied: number; history: Changeset[] }
  /** The zone file was edited by hand with a newer serial than the journal's: the file wins and the journal is history no more. */
  | { kind: 'file-newer'; records: ResourceRecord[]; serial: number }
  /** The zone file's serial is neither the journal's last nor in its chain: it was edited without raising the serial above the journal's. */
  | { kind: 'conflict'; fileSerial: number; journalSerial: number };

/** The zone as the zone file (its records, serial and digest) and the journal make it together. */
export function replay(records: ResourceRecord[], fileSerial: number, journal: readonly Changeset[], digest?: string): Replay {
  if (journal.length === 0) return { kind: 'current', records, serial: fileSerial, applied: 0, history: [] };
  const last = journal.at(-1)!.to;
  if (fileSerial === last) return { kind: 'current', records, serial: fileSerial, applied: 0, history: chainTo(journal) };
  if (serialNewer(fileSerial, last)) return { kind: 'file-newer', records, serial: fileSerial };
  const start = journal.findIndex((c) => c.from === fileSerial);
  const editedSince = start >= 0 && digest !== undefined && journal[start]!.fileDigest !== undefined && journal[start]!.fileDigest !== digest;
  if (start < 0 || editedSince) return { kind: 'conflict', fileSerial, journalSerial: last };
  let current = records;
  for (const change of journal.slice(start)) current = applyChangeset(current, change);
  return { kind: 'current', records: current, serial: last, applied: journal.length - start, history: chainTo(journal) };
}

/** The journal's newest unbroken run of changesets (a file edit with a newer serial breaks the chain), at most HISTORY_LIMIT. */
function chainTo(journal: readonly Changeset[]): Changeset[] {
  let start = journal.length - 1;
  while (start > 0 && journal[start - 1]!.to === journal[start]!.from) start--;
  return journal.slice(Math.max(start, journal.length - HISTORY_LIMIT));
}
