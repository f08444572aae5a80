// SOA serial arithmetic (RFC 1982, SERIAL_BITS = 32): serials wrap, so "newer" is a comparison
// within half the number space, and some pairs are neither newer nor older.

const HALF = 2 ** 31;
const SPACE = 2 ** 32;

/** Whether serial a is newer than b (RFC 1982 §3.2). */
export function serialNewer(a: number, b: number): boolean {
  return (a < b && b - a > HALF) || (a > b && a - b < HALF);
}

/** The serial after s (RFC 1982 §3.1: add one, wrapping at 2^32). */
export function nextSerial(s: number): number {
  return (s + 1) % SPACE;
}
