// Reads the records of a zone transfer as they arrive, message by message, and says when the
// transfer is complete: AXFR (RFC 5936 §2.2: the SOA first and last, every record in the zone)
// and the three IXFR answers (RFC 1995 §4): "you are current" (the SOA alone), a full zone
// as AXFR sends it, or sequences of differences, each the old SOA, the deletions, the new SOA,
// the additions, the whole framed by the new SOA.

import { RClass, type ResourceRecord } from '../wire/model.ts';
import { canonicalName, isInZone } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import { serialNewer } from '../zone/serial.ts';

export interface Difference {
  from: number;
  to: number;
  removed: ResourceRecord[];
  added: ResourceRecord[];
}

export type TransferResult =
  | { kind: 'current'; serial: number }
  | { kind: 'full'; serial: number; records: ResourceRecord[] }
  | { kind: 'incremental'; serial: number; differences: Difference[] };

/** The primary sent something that is not a well-formed transfer of the zone. */
export class TransferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransferError';
  }
}

type Phase = 'start' | 'second' | 'full' | 'removing' | 'adding' | 'done';

export class TransferStream {
  private phase: Phase = 'start';
  private soa?: ResourceRecord;
  private readonly records: ResourceRecord[] = [];
  private readonly differences: Difference[] = [];
  private result?: TransferResult;

  /** `ourSerial`: the serial of our copy, for IXFR (undefined for AXFR). */
  constructor(
    private readonly zone: string,
    private readonly ourSerial: number | undefined,
  ) {}

  get complete(): boolean {
    return this.phase === 'done';
  }

  /** Takes the answer records of the next message, in order. */
  push(answers: readonly ResourceRecord[]): void {
    for (const rr of answers) this.take(rr);
  }

  /** Called when a message ended: an IXFR answer of the SOA alone ends after its first message. */
  endOfMessage(): void {
    if (this.phase === 'second' && this.ourSerial !== undefined && !serialNewer(this.serialOf(this.soa!), this.ourSerial)) {
      this.finish({ kind: 'current', serial: this.serialOf(this.soa!) });
    }
  }

  /** The transfer's content; throws unless the stream is complete. */
  outcome(): TransferResult {
    if (this.result === undefined) throw new TransferError(`transfer of ${this.zone || '.'} ended before its closing SOA`);
    return this.result;
  }

  private take(rr: ResourceRecord): void {
    if (this.phase === 'done') throw new TransferError('records after the closing SOA');
    if (rr.class !== RClass.IN) throw new TransferError(`${rr.name}: class ${rr.class} in a transfer of an IN zone`);
    if (!isInZone(rr.name, this.zone)) throw new TransferError(`${rr.name}: not in zone ${this.zone || '.'}`);
    const isSoa = rr.type === RRType.SOA;
    if (isSoa && canonicalName(rr.name) !== canonicalName(this.zone)) throw new TransferError(`${rr.name}: an SOA below the apex`);
    switch (this.phase) {
      case 'start':
        if (!isSoa) throw new TransferError('the first record is not the SOA');
        this.soa = rr;
        this.phase = 'second';
        return;
      case 'second':
        // A SOA of our version right after the new one starts the differences (RFC 1995 §4).
        if (isSoa && this.ourSerial !== undefined && this.serialOf(rr) === this.ourSerial && this.serialOf(rr) !== this.serialOf(this.soa!)) {
          this.startDifference(rr);
          return;
        }
        this.records.push(this.soa!);
        this.phase = 'full';
        this.takeFull(rr, isSoa);
        return;
      case 'full':
        this.takeFull(rr, isSoa);
        return;
      case 'removing': {
        const current = this.differences.at(-1)!;
        if (!isSoa) {
          current.removed.push(rr);
          return;
        }
        current.to = this.serialOf(rr);
        if (!serialNewer(current.to, current.from)) throw new TransferError(`a difference from serial ${current.from} to ${current.to}, which is not newer`);
        current.added.push(rr);
        this.phase = 'adding';
        return;
      }
      case 'adding': {
        const current = this.differences.at(-1)!;
        if (!isSoa) {
          current.added.push(rr);
          return;
        }
        const serial = this.serialOf(rr);
        const finalSerial = this.serialOf(this.soa!);
        if (serial === finalSerial && current.to === finalSerial) {
          this.finish({ kind: 'incremental', serial, differences: this.differences });
          return;
        }
        if (serial !== current.to) throw new TransferError(`a difference starts at serial ${serial}, the previous one ended at ${current.to}`);
        this.startDifference(rr);
        return;
      }
    }
  }

  private takeFull(rr: ResourceRecord, isSoa: boolean): void {
    if (!isSoa) {
      this.records.push(rr);
      return;
    }
    const serial = this.serialOf(rr);
    if (serial !== this.serialOf(this.soa!)) throw new TransferError(`the closing SOA has serial ${serial}, the opening one ${this.serialOf(this.soa!)}`);
    this.finish({ kind: 'full', serial, records: this.records });
  }

  private startDifference(oldSoa: ResourceRecord): void {
    this.differences.push({ from: this.serialOf(oldSoa), to: this.serialOf(oldSoa), removed: [oldSoa], added: [] });
    this.phase = 'removing';
  }

  private finish(result: TransferResult): void {
    this.result = result;
    this.phase = 'done';
  }

  private serialOf(soa: ResourceRecord): number {
    return Number(soa.data.serial);
  }
}
