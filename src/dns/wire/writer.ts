// A reusable output buffer for messages and RDATA. One instance per caller, reset per use,
// so the hot path allocates only the final copy of the message.

import { WireError } from './errors.ts';
import { canonicalName, nameWireLength, writeLabel } from './names.ts';

export const MAX_WIRE_SIZE = 65535;
// Room past the limit so a label (≤ 63 octets) can be written before the limit is checked.
const SLACK = 64;
const MAX_NAME = 255;
const MAX_POINTER_TARGET = 0x3fff;

export class WireWriter {
  readonly buf = Buffer.allocUnsafe(MAX_WIRE_SIZE + SLACK);
  pos = 0;
  /** Canonical name suffix → offset of its first occurrence, for compression pointers. */
  private readonly suffixes = new Map<string, number>();

  reset(): void {
    this.pos = 0;
    this.suffixes.clear();
  }

  private room(n: number): void {
    if (this.pos + n > MAX_WIRE_SIZE) throw new WireError('TOO_LARGE', `output over ${MAX_WIRE_SIZE} octets`);
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.room(2);
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v & 0xff;
  }

  u32(v: number): void {
    this.room(4);
    this.buf[this.pos++] = v >>> 24;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
  }

  u48(v: number): void {
    this.room(6);
    this.buf.writeUIntBE(v, this.pos, 6);
    this.pos += 6;
  }

  bytes(data: Uint8Array): void {
    this.room(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  setU16(at: number, v: number): void {
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v & 0xff;
  }

  /** Writes a model-form name; with `compress`, reuses and records suffixes seen before. */
  name(name: string, compress: boolean): void {
    // Wire length ≤ text length + 2, so only long texts need the exact count.
    if (name.length > MAX_NAME - 2 && nameWireLength(name) > MAX_NAME) {
      throw new WireError('NAME_TOO_LONG', `name "${name.slice(0, 80)}…" is over ${MAX_NAME} octets`);
    }
    const key = compress ? canonicalName(name) : '';
    let i = 0;
    while (i < name.length) {
      if (compress) {
        const suffix = i === 0 ? key : key.slice(i);
        const target = this.suffixes.get(suffix);
        if (target !== undefined) {
          this.u16(0xc000 | target);
          return;
        }
        if (this.pos <= MAX_POINTER_TARGET) this.suffixes.set(suffix, this.pos);
      }
      this.room(1);
      const r = writeLabel(name, i, this.buf, this.pos + 1);
      const length = r & 63;
      this.buf[this.pos] = length;
      this.pos += length + 1;
      i = r >>> 6;
    }
    this.u8(0);
  }

  /** A copy of what was written, detached from the reusable buffer. */
  result(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }
}
