// The refresh machinery of one secondary zone (RFC 1034 §4.3.5, RFC 1996 §3): ask the primaries
// for their SOA serial every `refresh` seconds (every `retry` after a failure); when one is newer
// (RFC 1982), transfer the zone, IXFR first and AXFR when the primary cannot do IXFR or its
// differences do not fit; store the copy; after `expire` seconds without a primary confirming
// the copy, the zone is expired. A NOTIFY runs the check at once. One refresher per zone, in one
// process: the single server, or the cluster's primary.

import type { Logger } from '../../log/logger.ts';
import type { ResourceRecord } from '../wire/model.ts';
import { canonicalName } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import { serialNewer } from '../zone/serial.ts';
import { applyDifferences } from './apply-differences.ts';
import type { PrimaryServer } from './config.ts';
import { authFor } from './message-auth.ts';
import { primarySerial } from './soa-check.ts';
import { markConfirmed, readStoredCopy, writeStoredCopy } from './stored-copy.ts';
import { transferZone } from './transfer-client.ts';
import { TransferError, type TransferResult } from './transfer-stream.ts';

/** Waits of the refresh machinery, besides the SOA's own timers. */
export interface RefreshTimings {
  /** Wait for the SOA reply over UDP (and for each TCP reply). */
  queryTimeoutMs: number;
  /** Longest silence of a primary in the middle of a transfer. */
  transferIdleMs: number;
  /** Retry interval while there is no copy, hence no SOA to take `retry` from. */
  noCopyRetryMs: number;
}

export const DEFAULT_REFRESH_TIMINGS: RefreshTimings = { queryTimeoutMs: 2000, transferIdleMs: 15_000, noCopyRetryMs: 10_000 };

/** SOA timers below this are taken as this: a zone with refresh 0 must not spin. */
const MIN_TIMER_MS = 1000;
/** setTimeout's limit (about 24.8 days); longer waits are cut to it and simply come early. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ZoneRefresherOptions {
  name: string;
  /** The stored copy. */
  file: string;
  primaries: PrimaryServer[];
  timings: RefreshTimings;
  logger: Logger;
  /** The zone has a new copy, or became available or unavailable: the servers reload it. */
  changed(zone: string): void;
}

export class ZoneRefresher {
  private soa?: ResourceRecord;
  private confirmedAt = 0;
  private checkTimer?: NodeJS.Timeout;
  private expireTimer?: NodeJS.Timeout;
  private checking?: Promise<void>;
  private checkAgain = false;
  private closed = false;
  /** Checks wait for begin(): the servers must be up to take what a transfer brings. */
  private begun = false;
  private _expired = true;

  constructor(private options: ZoneRefresherOptions) {}

  get name(): string {
    return this.options.name;
  }

  /** No copy, or none confirmed within the SOA's expire time: the zone answers SERVFAIL. */
  get expired(): boolean {
    return this._expired;
  }

  /** Reads the stored copy (a broken one counts as none: the zone is transferred again). */
  async load(): Promise<void> {
    try {
      const copy = await readStoredCopy(this.options.file, this.name);
      if (copy === undefined) return;
      this.soa = copy.soa;
      this.confirmedAt = copy.confirmedAt;
      this._expired = Date.now() >= this.expiresAt();
      if (this._expired) this.options.logger.warn({ zone: this.name, serial: this.serial }, 'secondary zone: the stored copy has expired; SERVFAIL until a primary is reached');
      this.armExpiry();
    } catch (err) {
      this.options.logger.error({ zone: this.name, file: this.options.file, err: (err as Error).message }, 'secondary zone: the stored copy cannot be used; transferring the zone again');
    }
  }

  get serial(): number | undefined {
    return this.soa === undefined ? undefined : Number(this.soa.data.serial);
  }

  /** Starts the first check now. */
  begin(): void {
    this.begun = true;
    this.checkNow();
  }

  /** A NOTIFY (RFC 1996 §3.7): as if the refresh timer had run out. */
  notified(): void {
    if (!this.begun) return;
    if (this.checking !== undefined) this.checkAgain = true;
    else this.checkNow();
  }

  /** New primaries (a configuration reload); the next check uses them. */
  setPrimaries(primaries: PrimaryServer[]): void {
    this.options = { ...this.options, primaries };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.checkTimer);
    clearTimeout(this.expireTimer);
    await this.checking;
  }

  private checkNow(): void {
    if (this.closed) return;
    clearTimeout(this.checkTimer);
    this.checking = this.check().finally(() => {
      this.checking = undefined;
      if (this.checkAgain) {
        this.checkAgain = false;
        this.checkNow();
      }
    });
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.checkTimer);
    this.checkTimer = setTimeout(() => this.checkNow(), clamp(delayMs));
    this.checkTimer.unref();
  }

  private async check(): Promise<void> {
    const { logger } = this.options;
    for (const primary of this.options.primaries) {
      const where = `${primary.address}:${primary.port}`;
      try {
        const theirs = await primarySerial(primary, this.name, () => authFor(primary), this.options.timings.queryTimeoutMs);
        if (this.serial !== undefined && !serialNewer(theirs, this.serial)) {
          if (theirs !== this.serial) logger.warn({ zone: this.name, primary: where, theirs, ours: this.serial }, 'secondary zone: the primary has an older serial; keeping ours');
          await this.confirmed();
        } else {
          await this.transferFrom(primary, theirs);
        }
        this.schedule(this.soaTimer('refresh'));
        return;
      } catch (err) {
        logger.warn({ zone: this.name, primary: where, err: (err as Error).message }, 'secondary zone: refresh from this primary failed');
      }
    }
    if (this.closed) return;
    this.schedule(this.soa === undefined ? this.options.timings.noCopyRetryMs : this.soaTimer('retry'));
  }

  private async transferFrom(primary: PrimaryServer, announced: number): Promise<void> {
    const { logger, timings } = this.options;
    const where = `${primary.address}:${primary.port}`;
    let outcome: { result: TransferResult; style: 'IXFR' | 'AXFR' } | undefined;
    if (this.soa !== undefined) {
      try {
        outcome = { result: await transferZone(primary, { zone: this.name, ourSoa: this.soa, auth: authFor(primary), idleTimeoutMs: timings.transferIdleMs }), style: 'IXFR' };
      } catch (err) {
        if (!(err instanceof TransferError)) throw err;
        logger.info({ zone: this.name, primary: where, reason: err.message }, 'secondary zone: IXFR not possible; asking for AXFR');
      }
    }
    outcome ??= { result: await transferZone(primary, { zone: this.name, auth: authFor(primary), idleTimeoutMs: timings.transferIdleMs }), style: 'AXFR' };
    const { result, style } = outcome;
    if (result.kind === 'current') {
      await this.confirmed();
      return;
    }
    if (this.serial !== undefined && !serialNewer(result.serial, this.serial)) throw new TransferError(`the ${style} brought serial ${result.serial}, not newer than ours (${this.serial})`);
    let records: ResourceRecord[];
    if (result.kind === 'full') {
      records = result.records;
    } else {
      const copy = await readStoredCopy(this.options.file, this.name);
      if (copy === undefined || Number(copy.soa.data.serial) !== this.serial) throw new TransferError('the stored copy changed under the IXFR');
      records = applyDifferences(copy.records, result.differences);
    }
    await writeStoredCopy(this.options.file, this.name, records);
    const apex = canonicalName(this.name);
    this.soa = records.find((rr) => rr.type === RRType.SOA && canonicalName(rr.name) === apex);
    this.confirmedAt = Date.now();
    this.becomeAvailable();
    logger.info({ zone: this.name, primary: where, transfer: style, serial: result.serial, announced, records: records.length }, 'secondary zone transferred');
    this.options.changed(this.name);
  }

  /** A primary has the serial we hold: the copy is good for another `expire`. */
  private async confirmed(): Promise<void> {
    this.confirmedAt = Date.now();
    await markConfirmed(this.options.file).catch((err: Error) => this.options.logger.warn({ zone: this.name, err: err.message }, 'secondary zone: cannot record the refresh time on the stored copy'));
    if (this._expired) {
      this.becomeAvailable();
      this.options.logger.info({ zone: this.name, serial: this.serial }, 'secondary zone: a primary confirmed the copy; serving it again');
      this.options.changed(this.name);
    } else {
      this.armExpiry();
    }
  }

  private becomeAvailable(): void {
    this._expired = false;
    this.armExpiry();
  }

  private armExpiry(): void {
    clearTimeout(this.expireTimer);
    if (this._expired || this.closed) return;
    this.expireTimer = setTimeout(() => this.expire(), Math.min(Math.max(this.expiresAt() - Date.now(), 0), MAX_TIMER_MS));
    this.expireTimer.unref();
  }

  private expire(): void {
    if (Date.now() < this.expiresAt()) return this.armExpiry();
    this._expired = true;
    this.options.logger.error({ zone: this.name, serial: this.serial }, 'secondary zone expired: no primary confirmed it within the SOA expire time; answering SERVFAIL');
    this.options.changed(this.name);
  }

  private expiresAt(): number {
    return this.confirmedAt + this.soaTimer('expire');
  }

  private soaTimer(field: 'refresh' | 'retry' | 'expire'): number {
    return Number(this.soa!.data[field]) * 1000;
  }
}

function clamp(ms: number): number {
  return Math.min(Math.max(ms, MIN_TIMER_MS), MAX_TIMER_MS);
}
