// Queue ids: sortable by arrival, unique within a spool, short enough for log lines (like
// Postfix's long queue ids): milliseconds and a per-millisecond counter in base 31 (digits and consonants), plus a
// random tail so two Posterns sharing a folder by mistake still cannot collide.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789BCDFGHJKLMNPQRSTVWXYZ'; // no vowels: no words in ids
let lastMs = 0;
let counter = 0;

function base(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[n % ALPHABET.length] + out;
    n = Math.floor(n / ALPHABET.length);
  }
  return out;
}

export function newQueueId(now = Date.now()): string {
  if (now === lastMs) counter++;
  else {
    lastMs = now;
    counter = 0;
  }
  return `${base(now, 9)}${base(counter, 3)}${base(randomBytes(2).readUInt16BE(0), 3)}`;
}
