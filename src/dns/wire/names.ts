// Domain names in the model's form: presentation text, absolute, no trailing dot, "" for the
// root, escapes (\X and \DDD) for octets that are not plain. The form is canonical: the
// decoder and nameFromText both escape exactly the octets BIND's dig escapes, so two equal
// names are equal strings up to ASCII case, and canonicalName() is a valid map key.

import { NameError, WireError } from './errors.ts';

const BACKSLASH = 0x5c;
const DOT = 0x2e;
const MAX_LABEL = 63;
const MAX_NAME = 255;

/** Octets that dig writes as \X: the ones that mean something in a master file. */
function needsCharEscape(b: number): boolean {
  return b === 0x22 || b === 0x24 || b === 0x28 || b === 0x29 || b === DOT || b === 0x3b || b === 0x40 || b === BACKSLASH;
}

function needsDecimalEscape(b: number): boolean {
  return b <= 0x20 || b >= 0x7f;
}

/** The presentation text of one label's octets. */
export function labelToText(buf: Buffer, start: number, length: number): string {
  const end = start + length;
  let plain = true;
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (needsDecimalEscape(b) || needsCharEscape(b)) {
      plain = false;
      break;
    }
  }
  if (plain) return buf.toString('latin1', start, end);
  let text = '';
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (needsDecimalEscape(b)) text += '\\' + String(b).padStart(3, '0');
    else if (needsCharEscape(b)) text += '\\' + String.fromCharCode(b);
    else text += String.fromCharCode(b);
  }
  return text;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Reads one presentation label of `name` starting at index `i`, writes its octets at
 * out[outPos...] (never more than 63) and returns `next * 64 + length`, where `next` is the
 * index after the label's terminating dot (or name.length). Allocation-free for ASCII.
 */
export function writeLabel(name: string, i: number, out: Uint8Array, outPos: number): number {
  let length = 0;
  const end = name.length;
  while (i < end) {
    let c = name.charCodeAt(i++);
    if (c === DOT) {
      if (i === end) throw new WireError('BAD_NAME', `name "${name}" ends with a dot`);
      break;
    }
    if (c > 0x7f) {
      // A raw non-ASCII character: its UTF-8 octets, as a master file would hold them.
      const codePoint = name.codePointAt(i - 1)!;
      if (codePoint > 0xffff) i++;
      const bytes = Buffer.from(String.fromCodePoint(codePoint), 'utf8');
      if (length + bytes.length > MAX_LABEL) throw labelTooLong(name);
      for (const b of bytes) out[outPos + length++] = b;
      continue;
    }
    if (c === BACKSLASH) {
      if (i >= end) throw new WireError('BAD_NAME', `name "${name}" ends inside an escape`);
      c = name.charCodeAt(i);
      if (isDigit(c)) {
        const d2 = name.charCodeAt(i + 1);
        const d3 = name.charCodeAt(i + 2);
        if (!isDigit(d2) || !isDigit(d3)) throw new WireError('BAD_NAME', `name "${name}": \\DDD needs three digits`);
        c = (c - 0x30) * 100 + (d2 - 0x30) * 10 + (d3 - 0x30);
        if (c > 255) throw new WireError('BAD_NAME', `name "${name}": \\${name.slice(i, i + 3)} is over 255`);
        i += 3;
      } else if (c > 0x7f) {
        continue; // an escaped non-ASCII character is the character: read it on the next turn
      } else {
        i++;
      }
    }
    if (length === MAX_LABEL) throw labelTooLong(name);
    out[outPos + length++] = c;
  }
  if (length === 0) throw new WireError('BAD_NAME', `name "${name}" has an empty label`);
  return i * 64 + length;
}

function labelTooLong(name: string): WireError {
  return new WireError('LABEL_TOO_LONG', `name "${name.slice(0, 80)}" has a label over ${MAX_LABEL} octets`);
}

const labelScratch = Buffer.alloc(MAX_LABEL);

/** Octets of the name in uncompressed wire form, root label included. */
export function nameWireLength(name: string): number {
  let total = 1;
  let i = 0;
  while (i < name.length) {
    const r = writeLabel(name, i, labelScratch, 0);
    total += (r & 63) + 1;
    i = r >>> 6;
  }
  return total;
}

/** Index of the first dot at or after `from` that is not escaped, or -1. */
function unescapedDot(name: string, from: number): number {
  for (let i = from; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === DOT) return i;
  }
  return -1;
}

/**
 * Presentation text → model form. Absolute if it ends in an unescaped '.', else relative to
 * `origin` (a model-form name; the root when not given); "@" is the origin itself.
 */
export function nameFromText(text: string, origin = ''): string {
  if (text === '@') return origin;
  if (text === '.') return '';
  if (text.length === 0) throw new NameError('empty domain name');
  let body = text;
  let absolute = false;
  if (text.charCodeAt(text.length - 1) === DOT) {
    let backslashes = 0;
    for (let i = text.length - 2; i >= 0 && text.charCodeAt(i) === BACKSLASH; i--) backslashes++;
    if (backslashes % 2 === 0) {
      absolute = true;
      body = text.slice(0, -1);
    }
  }
  let name = '';
  let wireLength = 1;
  try {
    let i = 0;
    while (i < body.length) {
      const r = writeLabel(body, i, labelScratch, 0);
      const length = r & 63;
      name += (name === '' ? '' : '.') + labelToText(labelScratch, 0, length);
      wireLength += length + 1;
      i = r >>> 6;
    }
  } catch (err) {
    if (err instanceof WireError) throw new NameError(`bad domain name "${text}": ${err.message.replace(/^[A-Z_]+: /, '')}`);
    throw err;
  }
  if (!absolute && origin !== '') {
    wireLength += nameWireLength(origin) - 1;
    name += '.' + origin;
  }
  if (wireLength > MAX_NAME) throw new NameError(`domain name "${text}" is over ${MAX_NAME} octets in wire form`);
  return name;
}

/** Model form → presentation text with the trailing dot ("." for the root). */
export function nameToText(name: string): string {
  return name === '' ? '.' : name + '.';
}

/** The key for maps and comparisons: ASCII lower-case (model names hold only ASCII). */
export function canonicalName(name: string): string {
  return name.toLowerCase();
}

/** `name` is `zone` or below it, compared label-wise and case-insensitively. */
export function isInZone(name: string, zone: string): boolean {
  if (zone === '') return true;
  if (name.length < zone.length) return false;
  const n = canonicalName(name);
  const z = canonicalName(zone);
  if (n.length === z.length) return n === z;
  const dot = n.length - z.length - 1;
  if (n.charCodeAt(dot) !== DOT || !n.endsWith(z)) return false;
  let backslashes = 0;
  for (let i = dot - 1; i >= 0 && n.charCodeAt(i) === BACKSLASH; i--) backslashes++;
  return backslashes % 2 === 0;
}

/** The labels in presentation form, escapes kept, leftmost first; [] for the root. */
export function nameLabels(name: string): string[] {
  const labels: string[] = [];
  let start = 0;
  while (start < name.length) {
    const dot = unescapedDot(name, start);
    const end = dot < 0 ? name.length : dot;
    labels.push(name.slice(start, end));
    start = end + 1;
  }
  return labels;
}

export function labelCount(name: string): number {
  let count = 0;
  let start = 0;
  while (start < name.length) {
    count++;
    const dot = unescapedDot(name, start);
    start = dot < 0 ? name.length : dot + 1;
  }
  return count;
}

/** The name without its leftmost label; the root for a one-label name and for the root. */
export function parentName(name: string): string {
  const dot = unescapedDot(name, 0);
  return dot < 0 ? '' : name.slice(dot + 1);
}

function lowerLabelOctets(name: string): Buffer[] {
  const labels: Buffer[] = [];
  let i = 0;
  while (i < name.length) {
    const r = writeLabel(name, i, labelScratch, 0);
    const label = Buffer.from(labelScratch.subarray(0, r & 63));
    for (let k = 0; k < label.length; k++) if (label[k] >= 0x41 && label[k] <= 0x5a) label[k] += 0x20;
    labels.push(label);
    i = r >>> 6;
  }
  return labels;
}

/** RFC 4034 §6.1 canonical order: labels compared right to left as lower-cased octets. */
export function compareCanonical(a: string, b: string): number {
  const la = lowerLabelOctets(a);
  const lb = lowerLabelOctets(b);
  for (let ia = la.length - 1, ib = lb.length - 1; ia >= 0 && ib >= 0; ia--, ib--) {
    const c = Buffer.compare(la[ia], lb[ib]);
    if (c !== 0) return c;
  }
  return la.length - lb.length;
}
