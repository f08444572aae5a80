// Names in DNSSEC's canonical form (RFC 4034 §6): the lower-cased, uncompressed wire form that
// NSEC3 hashes, and a string key whose plain string order is the canonical name order, so a
// sorted NSEC chain can be searched without decoding labels on every comparison.

import { canonicalName } from '../wire/names.ts';
import { WireWriter } from '../wire/writer.ts';

const writer = new WireWriter();

/** The canonical (lower-case, uncompressed) wire form of a model-form name. */
export function canonicalWireName(name: string): Buffer {
  writer.reset();
  writer.name(canonicalName(name), false);
  const wire = writer.result();
  // canonicalName lowers the text; an octet written as \DDD could still be upper case.
  forEachLabel(wire, (start, end) => {
    for (let i = start; i < end; i++) if (wire[i] >= 0x41 && wire[i] <= 0x5a) wire[i] += 0x20;
  });
  return wire;
}

/** A key ordered as RFC 4034 §6.1 orders names: labels from the right, each octet shifted up
 *  by one and the label closed by code 0, so a label sorts before any longer one it begins. */
export function canonicalSortKey(name: string): string {
  const wire = canonicalWireName(name);
  const labels: string[] = [];
  forEachLabel(wire, (start, end) => {
    let label = '';
    for (let i = start; i < end; i++) label += String.fromCharCode(wire[i] + 1);
    labels.push(label + '\u0000');
  });
  return labels.reverse().join('');
}

function forEachLabel(wire: Buffer, visit: (start: number, end: number) => void): void {
  for (let i = 0; wire[i] !== 0; i += wire[i] + 1) visit(i + 1, i + 1 + wire[i]);
}
