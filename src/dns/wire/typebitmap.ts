// The NSEC/NSEC3 type bitmap (RFC 4034 §4.1.2): window blocks of up to 32 octets, one bit
// per type. Decoding is as strict as BIND: ascending windows, no empty blocks, no trailing
// zero octets, so one set of types has exactly one wire form.

import { WireError } from './errors.ts';

/** Wire form of a set of types (duplicates ignored). */
export function typeBitmapToWire(types: readonly number[]): Buffer {
  const sorted = [...new Set(types)].sort((a, b) => a - b);
  const parts: number[] = [];
  let i = 0;
  while (i < sorted.length) {
    const window = sorted[i] >> 8;
    const bitmap = new Uint8Array(32);
    let length = 0;
    for (; i < sorted.length && sorted[i] >> 8 === window; i++) {
      const low = sorted[i] & 0xff;
      bitmap[low >> 3] |= 0x80 >> (low & 7);
      length = (low >> 3) + 1;
    }
    parts.push(window, length, ...bitmap.subarray(0, length));
  }
  return Buffer.from(parts);
}

/** The types in buf[start, end), ascending. */
export function typeBitmapFromWire(buf: Uint8Array, start: number, end: number): number[] {
  const types: number[] = [];
  let pos = start;
  let lastWindow = -1;
  while (pos < end) {
    if (pos + 2 > end) throw new WireError('BAD_RDATA', 'type bitmap ends inside a window header');
    const window = buf[pos];
    const length = buf[pos + 1];
    pos += 2;
    if (window <= lastWindow) throw new WireError('BAD_RDATA', 'type bitmap windows out of order');
    if (length === 0 || length > 32) throw new WireError('BAD_RDATA', `type bitmap window of ${length} octets`);
    if (pos + length > end) throw new WireError('BAD_RDATA', 'type bitmap window runs past the RDATA');
    if (buf[pos + length - 1] === 0) throw new WireError('BAD_RDATA', 'type bitmap window with a trailing zero octet');
    for (let k = 0; k < length; k++) {
      const octet = buf[pos + k];
      for (let bit = 0; bit < 8; bit++) if (octet & (0x80 >> bit)) types.push((window << 8) | (k << 3) | bit);
    }
    lastWindow = window;
    pos += length;
  }
  return types;
}
