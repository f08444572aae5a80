// BIND's $GENERATE: "$GENERATE start-stop[/step] owner [ttl] [class] type rdata" writes one
// record per value of the iterator. In the owner and RDATA, "$" is the value and
// "${offset[,width[,base]]}" shifts, pads and formats it (d, o, x, X, or n/N for reversed
// nibble labels as in ip6.arpa); "\$" and "$$" give a literal dollar sign.

export class GenerateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GenerateError';
  }
}

export interface GenerateRange {
  start: number;
  stop: number;
  step: number;
}

/** A typo like 0-4294967295 must not exhaust memory; 65536 covers any 16-bit range. */
export const MAX_GENERATED = 65_536;

const RANGE = /^(\d+)-(\d+)(?:\/(\d+))?$/;
const MODIFIER = /^\{(-?\d+)(?:,(\d+)(?:,([doxXnN]))?)?\}/;
const MAX_WIDTH = 255;

export function parseGenerateRange(text: string): GenerateRange {
  const m = RANGE.exec(text);
  if (!m) throw new GenerateError(`expected a range start-stop[/step], got "${text}"`);
  const [start, stop, step] = [Number(m[1]), Number(m[2]), m[3] === undefined ? 1 : Number(m[3])];
  if (start > 0xffff_ffff || stop > 0xffff_ffff) throw new GenerateError(`range "${text}" exceeds 32 bits`);
  if (stop < start) throw new GenerateError(`range "${text}" ends before it starts`);
  if (step < 1) throw new GenerateError(`range "${text}" has a step below 1`);
  const count = Math.floor((stop - start) / step) + 1;
  if (count > MAX_GENERATED) throw new GenerateError(`range "${text}" makes ${count} records, more than ${MAX_GENERATED}`);
  return { start, stop, step };
}

/** Reversed hex digits as labels, as BIND writes them: the width counts the dots, so an even
 *  width can end in a dot (which then joins the rest of the owner). */
function nibbles(value: number, width: number, upper: boolean): string {
  const digits = upper ? '0123456789ABCDEF' : '0123456789abcdef';
  let out = '';
  let rest = value;
  for (;;) {
    out += digits[rest % 16];
    rest = Math.floor(rest / 16);
    if (rest === 0 && out.length >= width) return out;
    out += '.';
    if (rest === 0 && out.length >= width) return out;
  }
}

function formatValue(value: number, width: number, base: string): string {
  switch (base) {
    case 'o':
      return value.toString(8).padStart(width, '0');
    case 'x':
      return value.toString(16).padStart(width, '0');
    case 'X':
      return value.toString(16).toUpperCase().padStart(width, '0');
    case 'n':
    case 'N':
      return nibbles(value, width, base === 'N');
    default:
      return String(value).padStart(width, '0');
  }
}

/** The template with every "$" replaced for this value; other escapes are kept as written. */
export function substitute(template: string, value: number): string {
  if (!template.includes('$')) return template;
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '\\') {
      out += template.slice(i, i + 2);
      i++;
      continue;
    }
    if (c !== '$') {
      out += c;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    if (template[i + 1] !== '{') {
      out += String(value);
      continue;
    }
    const m = MODIFIER.exec(template.slice(i + 1));
    if (!m) throw new GenerateError(`bad modifier in "${template}": expected \${offset[,width[,base]]}`);
    const shifted = value + Number(m[1]);
    const width = m[2] === undefined ? 0 : Number(m[2]);
    if (shifted < 0) throw new GenerateError(`"${template}": offset ${m[1]} makes ${value} negative`);
    if (width > MAX_WIDTH) throw new GenerateError(`"${template}": width ${width} is over ${MAX_WIDTH}`);
    out += formatValue(shifted, width, m[3] ?? 'd');
    i += m[0].length;
  }
  return out;
}
