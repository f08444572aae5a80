// Turns what callers pass (text with or without a trailing dot, IDN, type mnemonics) into the
// model's name and type number, refusing what cannot be asked.

import { domainToASCII } from 'node:url';
import { NameError } from '../wire/errors.ts';
import { canonicalName, nameFromText } from '../wire/names.ts';
import { RRType, typeFromText, typeToText } from '../wire/rrtypes.ts';

/** Types that are not questions a stub resolver may ask (transfers, transaction records, OPT). */
const UNASKABLE: ReadonlySet<number> = new Set([RRType.OPT, RRType.TKEY, RRType.TSIG, RRType.IXFR, RRType.AXFR]);

/** A domain name in the model form, lower-cased so that one name has one cache entry and
 *  one spelling in results. Non-ASCII names become their A-labels (IDNA via node:url);
 *  ASCII names are taken as presentation text, so "_25._tcp.mx" and DNSBL names with
 *  numeric labels stay as written. */
export function queryName(input: string): string {
  let text = input;
  if (/[^\x00-\x7f]/.test(text)) {
    text = domainToASCII(text.endsWith('.') ? text.slice(0, -1) : text);
    if (text === '') throw new NameError(`"${input}" is not a valid internationalised domain name`);
  }
  // Relative to the root is absolute: the stub applies no search list.
  return text === '' ? '' : canonicalName(nameFromText(text));
}

export function queryType(input: number | string): number {
  const type = typeof input === 'number' ? input : typeFromText(input);
  if (type === undefined || !Number.isInteger(type) || type < 1 || type > 0xffff) {
    throw new TypeError(`"${String(input)}" is not a DNS record type`);
  }
  if (UNASKABLE.has(type)) throw new TypeError(`${typeToText(type)} cannot be looked up through the stub resolver`);
  return type;
}
