// Reverse- and forward-paths (RFC 5321 §4.1.2, with RFC 6531's UTF-8): the one place that
// decides what an address is. Whatever passes here reaches relay control and delivery in one
// canonical form: source routes dropped, the domain lower-cased, the local part as sent.
import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';

export interface Mailbox {
  /** local@domain as stored; '' for the null path <>; 'Postmaster' for RCPT TO:<Postmaster>. */
  address: string;
  localPart: string;
  /** Lower-cased; an address literal keeps its brackets ("[192.0.2.1]"). '' for <> and <Postmaster>. */
  domain: string;
  /** Whether the address holds UTF-8 (allowed only with SMTPUTF8). */
  utf8: boolean;
}

export type PathResult = { ok: true; mailbox: Mailbox; rest: string } | { ok: false; problem: string };

const MAX_LOCAL_PART = 64; // RFC 5321 §4.5.3.1.1, in octets
const MAX_DOMAIN = 255; // §4.5.3.1.2
const MAX_PATH = 256; // §4.5.3.1.3, including the angle brackets

const ATEXT_SPECIALS = "!#$%&'*+-/=?^_`{|}~";

function isAtext(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c >= 0x80 || ATEXT_SPECIALS.includes(ch);
}

/** Labels of letters, digits and hyphens, not starting or ending with a hyphen; U-labels
 *  (RFC 6531) may add non-ASCII letters, and must convert to valid A-labels. */
function validDomain(domain: string): boolean {
  if (domain === '' || Buffer.byteLength(domain) > MAX_DOMAIN) return false;
  if (!/^[a-z0-9.\-\u0080-\u{10ffff}]+$/iu.test(domain)) return false;
  const ascii = /^[\x00-\x7f]*$/.test(domain) ? domain : domainToASCII(domain);
  if (ascii === '' || ascii.length > MAX_DOMAIN) return false;
  // IDNA mapping drops or folds some characters (a soft hyphen vanishes): only a domain already in
  // its canonical U-label form is accepted, so the address stored is the one that is routed.
  if (ascii !== domain && domainToUnicode(ascii) !== domain.toLowerCase()) return false;
  return ascii.split('.').every((l) => l.length <= 63 && /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i.test(l));
}

function validLiteral(literal: string): boolean {
  const inner = literal.slice(1, -1);
  if (isIPv4(inner)) return true;
  return /^ipv6:/i.test(inner) && isIPv6(inner.slice(5));
}

/**
 * Parses the path at the start of `text` (right after "FROM:" or "TO:"). `rest` is what follows
 * the closing ">", i.e. the ESMTP parameters with their leading space.
 */
export function parsePath(text: string, kind: 'reverse' | 'forward'): PathResult {
  if (text[0] !== '<') return { ok: false, problem: 'the address must be in angle brackets, e.g. <user@example.com>' };
  let i = 1;
  if (kind === 'reverse' && text[i] === '>') return finish(text, 2, { address: '', localPart: '', domain: '', utf8: false });

  // A source route (@a,@b:) is accepted and ignored (RFC 5321 §3.3, Appendix C).
  if (text[i] === '@') {
    const colon = text.indexOf(':', i);
    if (colon < 0) return { ok: false, problem: 'a source route must end with ":"' };
    const hops = text.slice(i, colon).split(',');
    if (!hops.every((hop) => hop.startsWith('@') && validDomain(hop.slice(1)))) return { ok: false, problem: 'bad source route' };
    i = colon + 1;
  }

  let localPart: string;
  if (text[i] === '"') {
    let j = i + 1;
    for (; j < text.length && text[j] !== '"'; j++) {
      const c = text.charCodeAt(j);
      if (c === 0x5c) {
        const next = text.charCodeAt(j + 1);
        if (!(next >= 0x20 && next <= 0x7e)) return { ok: false, problem: 'bad quoted-pair in the local part' };
        j++;
      } else if (!(c === 0x20 || c === 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80)) {
        return { ok: false, problem: 'a control character in the quoted local part' };
      }
    }
    if (j >= text.length) return { ok: false, problem: 'an unterminated quoted local part' };
    localPart = text.slice(i, j + 1);
    i = j + 1;
  } else {
    let j = i;
    while (j < text.length && (isAtext(text[j]!) || text[j] === '.')) j++;
    localPart = text.slice(i, j);
    if (localPart === '' || localPart.startsWith('.') || localPart.endsWith('.') || localPart.includes('..')) {
      return { ok: false, problem: localPart === '' ? 'an empty local part' : 'a local part with a leading, trailing or double dot' };
    }
    i = j;
  }
  if (Buffer.byteLength(localPart) > MAX_LOCAL_PART) return { ok: false, problem: `a local part over ${MAX_LOCAL_PART} octets` };

  if (text[i] === '>' && kind === 'forward' && localPart.toLowerCase() === 'postmaster') {
    return finish(text, i + 1, { address: 'Postmaster', localPart, domain: '', utf8: false });
  }
  if (text[i] !== '@') return { ok: false, problem: text[i] === '>' ? 'the address has no domain' : `an unexpected ${JSON.stringify(text[i] ?? 'end')} in the address` };
  i++;

  const close = text.indexOf('>', i);
  if (close < 0) return { ok: false, problem: 'the address has no closing ">"' };
  const rawDomain = text.slice(i, close);
  let domain: string;
  if (rawDomain.startsWith('[')) {
    if (!rawDomain.endsWith(']') || !validLiteral(rawDomain)) return { ok: false, problem: 'a bad address literal (expected [IPv4] or [IPv6:address])' };
    domain = rawDomain.toLowerCase();
  } else {
    if (!validDomain(rawDomain)) return { ok: false, problem: `a bad domain ${JSON.stringify(rawDomain)}` };
    domain = rawDomain.toLowerCase();
  }
  const address = `${localPart}@${domain}`;
  return finish(text, close + 1, { address, localPart, domain, utf8: /[^\x00-\x7f]/.test(address) });
}

function finish(text: string, end: number, mailbox: Mailbox): PathResult {
  const rest = text.slice(end);
  if (rest !== '' && rest[0] !== ' ') return { ok: false, problem: 'parameters must be separated from the address by a space' };
  if (Buffer.byteLength(mailbox.address) + 2 > MAX_PATH) return { ok: false, problem: `a path over ${MAX_PATH} octets` };
  return { ok: true, mailbox, rest };
}
