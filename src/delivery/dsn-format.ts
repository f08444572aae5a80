// What goes into a DSN comes partly from the network: the peer's reply, addresses, the envelope
// id. It is made safe here before any part of the report is written, so that a peer cannot add
// header fields or break the MIME structure, and every line fits RFC 5322's 998 octets.
import { domainToASCII } from 'node:url';

/** RFC 5322 §2.1.1: the most octets a line may hold, without its CRLF. */
export const MAX_LINE = 998;

const LINE_BREAKS = /\r\n|[\r\n\u2028\u2029]/g;
// C0 and C1 controls, and the bidirectional overrides that can make text read other than it is.
const CONTROLS = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu;
const NON_ASCII = /[^\x00-\x7f]/gu;

export function isAscii(text: string): boolean {
  return /^[\x00-\x7f]*$/.test(text);
}

/**
 * One line of text: line breaks become a space, tabs too, other control characters "?", and
 * unless `utf8` every non-ASCII character "?", as RFC 3464 fields outside
 * message/global-delivery-status are ASCII.
 */
export function cleanText(text: string, utf8: boolean): string {
  const safe = text.replace(LINE_BREAKS, ' ').replace(/\t/g, ' ').replace(CONTROLS, '?').trim();
  return utf8 ? safe : safe.replace(NON_ASCII, '?');
}

/**
 * An address as a DSN shows it. Without `utf8`, a non-ASCII address takes the escaped form of
 * RFC 6533 §3 (utf-8-addr-xtext: "\x{HEX}" for every character outside its QCHAR set), so that
 * it survives in an ASCII report; with `utf8` it stays as it is.
 */
export function shownAddress(address: string, utf8: boolean): string {
  const clean = cleanText(address, true);
  if (utf8 || isAscii(clean)) return clean;
  return clean.replace(/[^\x21-\x2a\x2c-\x3c\x3e-\x5b\x5d-\x7e]/gu, (c) => `\\x{${c.codePointAt(0)!.toString(16).toUpperCase()}}`);
}

/** "type; address" for Final-Recipient and Original-Recipient: type utf-8 for a non-ASCII address (RFC 6533). */
export function typedAddress(address: string, utf8: boolean, type = 'rfc822'): string {
  const shown = shownAddress(address, utf8);
  const atom = type.toLowerCase().replace(/[^a-z0-9-]/g, '');
  const utf8Type = atom === 'utf-8' || !isAscii(address);
  return `${utf8Type ? 'utf-8' : atom || 'rfc822'}; ${shown}`;
}

/** A host name as DNS carries it: IDNs as A-labels; anything that is no domain name, cleaned to ASCII. */
export function asciiHost(name: string): string {
  const clean = cleanText(name, true);
  return domainToASCII(clean) || cleanText(clean, false);
}

function octets(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Cuts a word longer than `max` octets into pieces that fit, never inside a character. */
function pieces(word: string, max: number): string[] {
  if (octets(word) <= max) return [word];
  const out: string[] = [];
  let piece = '';
  for (const char of word) {
    if (octets(piece + char) > max) {
      out.push(piece);
      piece = '';
    }
    piece += char;
  }
  return [...out, piece];
}

/**
 * Breaks one line at spaces so that each line stays within `width` octets where the words
 * allow, and always within MAX_LINE; each continuation line starts with `indent`. The same
 * rule folds a header field (indent " ") and wraps the human-readable text.
 */
export function wrapLine(line: string, width: number, indent: string): string[] {
  const words = line.split(/ +/).filter((w) => w !== '').flatMap((w) => pieces(w, MAX_LINE - octets(indent)));
  const lines: string[] = [];
  let current: string | undefined;
  for (const word of words) {
    if (current === undefined) current = word;
    else if (octets(`${current} ${word}`) <= width) current = `${current} ${word}`;
    else {
      lines.push(current);
      current = indent + word;
    }
  }
  return current === undefined ? [''] : [...lines, current];
}
