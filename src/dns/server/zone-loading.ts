// Loads the configured zone files into a new ZoneSet. A zone whose file has errors is not
// swapped in: the version already served (if any) stays, and the report says why.

import type { Logger } from '../../log/logger.ts';
import { formatProblem, loadZoneFile } from '../zone/load.ts';
import type { Changeset } from '../zone/changeset.ts';
import { ZoneSet, ZoneSnapshot } from '../zone/store.ts';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileDigest, replay, ZoneJournal } from '../update/journal.ts';
import type { SecondarySettings } from '../secondary/config.ts';
import type { AccessRule } from '../acl.ts';
import type { NotifyTarget } from './notify-out.ts';

export interface DnsZoneConfig {
  /** The zone's origin in model form (no trailing dot). */
  name: string;
  file: string;
  /** A dynamically updated zone's journal: replayed onto the zone file at every load. */
  journal?: string;
  /** A secondary zone: `file` is its copy from the last transfer, which may not exist yet. */
  secondary?: SecondarySettings;
  /** Who may transfer the zone (allowTransfer); nobody when absent. */
  allowTransfer?: AccessRule[];
  /** Secondaries to NOTIFY of each new serial. */
  notify?: NotifyTarget[];
  /** Also NOTIFY the zone's own name servers (those with addresses in the zone). */
  notifyNsHosts?: boolean;
}

export interface ZoneReport {
  name: string;
  ok: boolean;
  /** The serial now served for the zone (absent when the zone failed to load). */
  serial?: number;
  /** Errors and warnings, one line each ("file:line: message"). */
  problems: string[];
}

export interface ZoneReloadReport {
  zones: ZoneReport[];
}

/** The zones of `configs`, freshly loaded where possible, else as in `current`. Zones that are
 *  no longer configured are left out. */
export async function loadZones(configs: readonly DnsZoneConfig[], current: ZoneSet, logger: Logger): Promise<{ zones: ZoneSet; report: ZoneReloadReport }> {
  const loaded = await Promise.all(configs.map((config) => loadOne(config, logger)));
  const snapshots: ZoneSnapshot[] = [];
  const unavailable: string[] = [];
  const report: ZoneReport[] = [];
  for (const [i, result] of loaded.entries()) {
    const config = configs[i];
    if (config.secondary !== undefined && result.snapshot === undefined) {
      // Not an error of the configuration: the refresher fetches the zone from its primaries.
      unavailable.push(config.name);
      report.push({ name: config.name, ok: true, problems: result.problems });
      continue;
    }
    if (result.snapshot !== undefined) {
      snapshots.push(result.snapshot);
      report.push({ name: config.name, ok: true, serial: result.snapshot.serial, problems: result.problems });
      continue;
    }
    const previous = current.get(config.name);
    if (previous !== undefined) {
      snapshots.push(previous);
      logger.warn({ zone: config.name, serial: previous.serial }, 'zone not reloaded; the previous version keeps serving');
    }
    report.push({ name: config.name, ok: false, problems: result.problems });
  }
  return { zones: new ZoneSet(snapshots, unavailable), report: { zones: report } };
}

async function loadOne(config: DnsZoneConfig, logger: Logger): Promise<{ snapshot?: ZoneSnapshot; problems: string[] }> {
  if (config.secondary !== undefined && (config.secondary.expired === true || !existsSync(config.file))) return { problems: [] };
  try {
    const zone = await loadZoneFile(config.file, config.name);
    const problems = zone.problems.map(formatProblem);
    for (const [i, p] of zone.problems.entries()) {
      if (p.severity === 'error') logger.error({ zone: config.name }, problems[i]);
      else logger.warn({ zone: config.name }, problems[i]);
    }
    if (!zone.ok) {
      logger.error({ zone: config.name, file: config.file }, 'zone has errors and was not loaded');
      return { problems };
    }
    let records = zone.records;
    let history: Changeset[] = [];
    if (config.journal !== undefined) {
      const digest = fileDigest(await readFile(config.file, 'utf8'));
      const replayed = replay(zone.records, zone.serial, await new ZoneJournal(config.journal, zone.origin).read(), digest);
      if (replayed.kind === 'conflict') {
        // RFC 2136 updates are pending in the journal: a hand edit must raise the serial above them.
        const problem = `${config.file}: edited while dynamic updates are pending, and its serial ${replayed.fileSerial} is not newer than the last update's ${replayed.journalSerial}; raise the zone file's serial above ${replayed.journalSerial} to replace the updates, or undo the edit`;
        logger.error({ zone: config.name }, problem);
        return { problems: [...problems, problem] };
      }
      records = replayed.records;
      if (replayed.kind === 'current') history = replayed.history;
    }
    const snapshot = ZoneSnapshot.fromRecords(zone.origin, records).withHistory(history);
    logger.info({ zone: config.name, serial: snapshot.serial, records: snapshot.recordCount }, 'zone loaded');
    return { snapshot, problems };
  } catch (err) {
    const problem = `${config.file}: cannot load: ${(err as Error).message}`;
    logger.error({ zone: config.name }, problem);
    return { problems: [problem] };
  }
}
