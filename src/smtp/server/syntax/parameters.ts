// ESMTP parameters after a path (RFC 5321 §4.1.2: esmtp-keyword ["=" esmtp-value]).
import { reply, type Reply } from './reply.ts';

export type ParametersResult = { ok: true; params: Map<string, string | undefined> } | { ok: false; reply: Reply };

const KEYWORD = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
// esmtp-value: printable ASCII except "=" (RFC 5321), plus UTF-8 (RFC 6531 §3.3)
const VALUE = /^[\x21-\x3c\x3e-\x7e\u0080-\u{10ffff}]+$/u;

/** Keywords upper-cased; a repeated keyword is an error (RFC 1869 §6). */
export function parseParameters(rest: string): ParametersResult {
  const params = new Map<string, string | undefined>();
  for (const word of rest.split(' ')) {
    if (word === '') continue;
    const eq = word.indexOf('=');
    const keyword = (eq < 0 ? word : word.slice(0, eq)).toUpperCase();
    const value = eq < 0 ? undefined : word.slice(eq + 1);
    if (!KEYWORD.test(keyword) || (value !== undefined && !VALUE.test(value))) return { ok: false, reply: reply(501, '5.5.4', `Bad parameter syntax: ${printable(word)}`) };
    if (params.has(keyword)) return { ok: false, reply: reply(501, '5.5.4', `Duplicate parameter: ${keyword}`) };
    params.set(keyword, value);
  }
  return { ok: true, params };
}

/** For reply texts: at most 64 characters of client input, control characters as "?". */
/** Reply text is ASCII (RFC 5321 §4.2): anything else a client sent is shown as "?". */
export function asciiText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** A piece of client input quoted in a reply: ASCII only, and short. */
export function printable(text: string): string {
  const clean = asciiText(text);
  return clean.length > 64 ? `${clean.slice(0, 64)}...` : clean;
}

export const unsupported = (keyword: string): Reply => reply(555, '5.5.4', `Unsupported option: ${printable(keyword)}`);
