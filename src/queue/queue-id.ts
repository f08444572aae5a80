// Queue ids: sortable by arrival, unique within a spool, short enough for log lines (like
// Postfix's long queue ids): milliseconds and a per-millisecond counter in base 31 (digits and consonants), plus a
// random tail so two Posterns sharing a folder by mistake still cannot collide. The tail only has
// to differ, not to be secret: Math.random, not a crypto call on every commit.

const ALPHABET = '0123456789BCDFGHJKLMNPQRSTVWXYZ'; // no vowels: no words in ids
const TAILS = ALPHABET.length ** 3;
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
  return `${base(now, 9)}${base(counter, 3)}${base(Math.floor(Math.random() * TAILS), 3)}`;
}
