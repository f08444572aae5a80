// Dynamic updates (RFC 2136) as the server carries them out: the UPDATE message checked
// (zone section, access), one update at a time per zone, applied to the zone as served, written
// to the journal before the answer, then served; the zone file is rewritten after a delay (as
// Knot's zonefile-sync), so the journal replays only what is newer than the file.
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Logger } from '../../log/logger.ts';
import { fsyncPath } from '../../system/fsync.ts';
import { decodeMessage } from '../wire/decode.ts';
import { encodeMessage } from '../wire/encode.ts';
import { Opcode, RClass, Rcode, type Message } from '../wire/model.ts';
import { canonicalName } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import { recordToText } from '../wire/text.ts';
import { ZoneSnapshot, type ZoneSet } from '../zone/store.ts';
import type { AccessList } from '../acl.ts';
import type { KeyRing } from '../tsig/keys.ts';
import { checkRequest } from '../tsig/server.ts';
import type { TsigSigner } from '../tsig/session.ts';
import { applyUpdate } from './apply-update.ts';
import { fileDigest, ZoneJournal } from './journal.ts';

export interface DynamicZone {
  name: string;
  file: string;
  journal: string;
  /** allowUpdate: who may update (addresses, TSIG keys). */
  allow: AccessList;
  /** How long after an update the zone file is rewritten; undefined: never (the journal keeps everything). */
  zonefileSyncMs?: number;
}

export interface UpdateProcessorOptions {
  zones: readonly DynamicZone[];
  /** The zones as served now. */
  current(): ZoneSet;
  /** Serves a new version of a zone (in this process, or by telling the workers to reload). */
  publish(zone: ZoneSnapshot): Promise<void>;
  /** dns.keys: a signed update is verified (RFC 8945) and answered signed. */
  keys: KeyRing;
  /** After a change is served (NOTIFY to the secondaries). */
  changed?(zone: string, serial: number): void;
  /** Runs an update so that no zone reload runs at the same time (a reload re-reads file and journal). */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  logger: Logger;
}

export class UpdateProcessor {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly syncTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: UpdateProcessorOptions) {}

  /** Answers one UPDATE message; never rejects. */
  async handle(query: Buffer, client: string): Promise<Buffer | undefined> {
    const tsig = checkRequest(query, this.options.keys);
    if (tsig.kind === 'rejected') {
      this.options.logger.warn({ client, key: tsig.key, tsigError: tsig.error }, 'DNS update refused: its TSIG does not verify');
      return tsig.reply;
    }
    let request: Message;
    try {
      request = decodeMessage(tsig.kind === 'signed' ? tsig.unsigned : query);
    } catch {
      return undefined;
    }
    if (tsig.kind === 'malformed') return this.reply(request, Rcode.FORMERR);
    const signer = tsig.kind === 'signed' ? tsig.signer : undefined;
    const reply = (rcode: Rcode) => this.reply(request, rcode, signer);
    const [zoneQuestion] = request.questions;
    if (request.questions.length !== 1 || zoneQuestion!.type !== RRType.SOA || zoneQuestion!.class !== RClass.IN) return reply(Rcode.FORMERR);
    const zone = this.options.zones.find((z) => canonicalName(z.name) === canonicalName(zoneQuestion!.name));
    if (!zone) return reply(this.options.current().get(zoneQuestion!.name) ? Rcode.REFUSED : Rcode.NOTAUTH);
    const key = tsig.kind === 'signed' ? tsig.key : undefined;
    if (!zone.allow({ address: client, key })) {
      this.options.logger.warn({ zone: zone.name, client, key }, 'DNS update refused: not in allowUpdate');
      return reply(Rcode.REFUSED);
    }
    const previous = this.queues.get(zone.name) ?? Promise.resolve();
    const run = previous.then(() => this.options.exclusive(() => this.apply(zone, request, client))).catch((err: Error) => {
      this.options.logger.error({ zone: zone.name, err: err.message }, 'DNS update failed');
      return Rcode.SERVFAIL;
    });
    this.queues.set(zone.name, run);
    return reply(await run);
  }

  private reply(request: Message, rcode: Rcode, signer?: TsigSigner): Buffer {
    const flags = { qr: true, opcode: Opcode.UPDATE, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false, rcode };
    const response = encodeMessage({ id: request.id, flags, questions: request.questions, answers: [], authority: [], additional: [] });
    return signer ? signer.sign(response) : response;
  }

  private async apply(zone: DynamicZone, request: Message, client: string): Promise<Rcode> {
    const served = this.options.current().get(zone.name);
    if (!served) return Rcode.SERVFAIL;
    // In an UPDATE the prerequisites travel in the answer section and the updates in the authority section.
    const result = applyUpdate({ zone: served.origin, prerequisites: request.answers, updates: request.authority }, served.records());
    if (result.rcode !== Rcode.NOERROR) {
      this.options.logger.info({ zone: zone.name, client, rcode: result.rcode, reason: result.reason }, 'DNS update not applied');
      return result.rcode;
    }
    if (!result.changed) return Rcode.NOERROR;
    const change = { from: served.serial, to: result.serial, removed: result.removed, added: result.added, fileDigest: fileDigest(await readFile(zone.file, 'utf8')) };
    await new ZoneJournal(zone.journal, served.origin).append(change);
    const next = ZoneSnapshot.fromRecords(served.origin, result.records).withHistory([...served.history, change]);
    await this.options.publish(next);
    this.options.logger.info({ zone: zone.name, client, serial: result.serial, removed: result.removed.length, added: result.added.length }, 'DNS update applied');
    this.scheduleSync(zone);
    this.options.changed?.(zone.name, result.serial);
    return Rcode.NOERROR;
  }

  private scheduleSync(zone: DynamicZone): void {
    if (zone.zonefileSyncMs === undefined || this.syncTimers.has(zone.name)) return;
    const timer = setTimeout(() => {
      this.syncTimers.delete(zone.name);
      const queued = (this.queues.get(zone.name) ?? Promise.resolve()).then(() => this.writeZoneFile(zone));
      this.queues.set(zone.name, queued.catch((err: Error) => this.options.logger.error({ zone: zone.name, file: zone.file, err: err.message }, 'zone file could not be written; the journal keeps the updates')));
    }, zone.zonefileSyncMs);
    timer.unref();
    this.syncTimers.set(zone.name, timer);
  }

  /** Writes the zone as served to its file (temp, fsync, rename), so the journal need not be replayed at the next load. */
  async writeZoneFile(zone: DynamicZone): Promise<void> {
    const served = this.options.current().get(zone.name);
    if (!served) return;
    const soa = served.soa;
    const rest = served.records().filter((r) => r !== soa);
    const text = [`; ${served.origin || '.'}: written by Postern after dynamic updates (serial ${served.serial}); edits must raise the serial`, recordToText(soa), ...rest.map(recordToText), ''].join('\n');
    const temp = `${zone.file}.postern-tmp`;
    await writeFile(temp, text, { mode: 0o644 });
    await fsyncPath(temp);
    await rename(temp, zone.file);
    this.options.logger.info({ zone: zone.name, file: zone.file, serial: served.serial }, 'zone file written');
  }

  /** Writes every zone with pending changes now (at shutdown). */
  async flush(): Promise<void> {
    const pending = [...this.syncTimers.keys()];
    for (const name of pending) clearTimeout(this.syncTimers.get(name));
    this.syncTimers.clear();
    await Promise.all(this.options.zones.filter((z) => pending.includes(z.name)).map((z) => (this.queues.get(z.name) ?? Promise.resolve()).then(() => this.writeZoneFile(z))));
  }
}
