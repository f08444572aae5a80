// Random and mutated SMTP input for the engine fuzz test: command lines (valid ones, mutated ones
// and random bytes), DATA bodies full of dot/CR/LF/NUL mixtures, BDAT chunks and SASL responses,
// as one pipelined batch per session. Everything comes from one seeded generator, so a seed
// printed by a failing run gives the same bytes again.

export type Random = () => number;

/** splitmix32: small, fast and seedable. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 2 ** 32;
  };
}

export interface FuzzLimits {
  /** The server's maxLineLength. */
  maxLineLength: number;
  /** The server's maxMessageSize: some bodies go past it. */
  maxMessageSize: number;
  /** The largest BDAT chunk a batch may announce: what the batch trailer can always drain. */
  maxChunk: number;
}

export interface FuzzBatch {
  bytes: Buffer;
  /** Command lines, SASL responses, DATA bodies and BDAT chunks generated. */
  cases: number;
}

const CRLF = '\r\n';
const pick = <T>(rnd: Random, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
const int = (rnd: Random, min: number, max: number): number => min + Math.floor(rnd() * (max - min + 1));
/** The generator works on byte strings (one char a byte); this is how UTF-8 text looks in them. */
const utf8 = (text: string): string => Buffer.from(text).toString('latin1');
const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

const VERBS = ['EHLO', 'HELO', 'MAIL', 'RCPT', 'DATA', 'BDAT', 'RSET', 'NOOP', 'QUIT', 'VRFY', 'HELP', 'STARTTLS', 'AUTH', 'EXPN', 'ETRN', 'TURN', 'XCLIENT'];
const HOSTS = ['client.example.org', '[127.0.0.1]', '[IPv6:::1]', 'x', utf8('ünïcode.example'), '-bad-.example', 'a'.repeat(300), ''];
const SENDERS = ['<alice@example.org>', '<>', '<"q u"@example.org>', utf8('<jörg@bücher.example>'), '<@a.example:b@example.org>', '<a@[192.0.2.1]>', 'alice@example.org', '<a@b', '<<>>'];
const RECIPIENTS = ['<bob@example.test>', '<Postmaster>', '<postmaster@example.test>', '<carol@remote.example>', '<user%other@example.test>', '<"x@y"@example.test>', utf8('<jörg@example.test>'), '<@r.example:d@example.test>', '<>'];
const MAIL_PARAMS = ['SIZE=100', 'SIZE=99999999999', 'SIZE=', 'BODY=8BITMIME', 'BODY=7BIT', 'BODY=BINARYMIME', 'SMTPUTF8', 'SMTPUTF8=1', 'REQUIRETLS', 'RET=FULL', 'RET=HDRS', 'RET=x', 'ENVID=abc+2B', 'ENVID=+ZZ', 'AUTH=<>', 'AUTH=a+2Bb', 'X-UNKNOWN=1'];
const RCPT_PARAMS = ['NOTIFY=NEVER', 'NOTIFY=SUCCESS,FAILURE,DELAY', 'NOTIFY=NEVER,SUCCESS', 'NOTIFY=', 'ORCPT=rfc822;bob@example.test', 'ORCPT=utf-8;j\\x{F6}rg@example.test', 'ORCPT=;x', 'ORCPT=rfc822;+XX'];
const MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'plain', 'XOAUTH2', ''];
/** Pieces that mutations insert: delimiters, line-ending fragments, NUL and high bytes. */
const SPLICES = ['\0', '\r', '\n', '\r\n', ' ', '\t', ':', '<', '>', '@', '=', '"', '\\', '.', '\x7f', '\x80', '\xc3', '\xff', '\xef\xbb\xbf', 'FROM:', 'TO:', 'SIZE=', '%'];
/** Pieces of DATA bodies: what SMTP smuggling tries (bare LF and CR around dots) and what dot-stuffing must handle. */
const BODY_PIECES = [
  CRLF, CRLF, CRLF, '\n', '\r', '.', '..', '...', '\n.\n', '\r.\r', '\n.\r\n', '\r\n.\n', '\r\n.\r', '.\r\n', '\r\n..\r\n', '\r\r\n', '\n\r',
  '\0', '\xff\xfe', '\x80', 'Subject: fuzz', 'From: <a@example.org>', 'Message-ID: <x@y>', 'Date: Thu, 1 Jan 2026 00:00:00 +0000', '',
  'MAIL FROM:<smuggled@example.org>', 'RCPT TO:<victim@example.test>', 'DATA', 'hello world', '=?utf-8?q?x?=', utf8('Ünïcödé'), 'Ünïcödé',
];

function randomBytes(rnd: Random, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String.fromCharCode(int(rnd, 0, 255));
  return out;
}

function base64(rnd: Random): string {
  const r = rnd();
  if (r < 0.3) return Buffer.from(`\0fuzz\0${rnd() < 0.5 ? 'pw' : 'wrong'}`).toString('base64');
  if (r < 0.5) return Buffer.from(randomBytes(rnd, int(rnd, 0, 40)), 'latin1').toString('base64');
  if (r < 0.6) return pick(rnd, ['*', '=', '', '====', 'AA', 'Zm9v']);
  return Buffer.from(pick(rnd, ['fuzz', 'pw', 'alice', ''])).toString('base64');
}

function params(rnd: Random, from: readonly string[]): string {
  let out = '';
  const n = rnd() < 0.7 ? int(rnd, 0, 3) : int(rnd, 50, 400); // sometimes a huge parameter list
  for (let i = 0; i < n; i++) out += ` ${rnd() < 0.8 ? pick(rnd, from) : `P${i}=${int(rnd, 0, 9999)}`}`;
  return out;
}

/** A command as a well-behaved client might send it (or nearly). */
function validCommand(rnd: Random): string {
  switch (pick(rnd, VERBS)) {
    case 'EHLO':
      return `EHLO ${pick(rnd, HOSTS)}`;
    case 'HELO':
      return `HELO ${pick(rnd, HOSTS)}`;
    case 'MAIL':
      return `MAIL FROM:${rnd() < 0.1 ? ' ' : ''}${pick(rnd, SENDERS)}${params(rnd, MAIL_PARAMS)}`;
    case 'RCPT':
      return `RCPT TO:${pick(rnd, RECIPIENTS)}${params(rnd, RCPT_PARAMS)}`;
    case 'DATA':
      return rnd() < 0.8 ? 'DATA' : 'DATA x';
    case 'BDAT':
      return `BDAT ${pick(rnd, ['0', '1', String(int(rnd, 0, 200)), '00012'])}${rnd() < 0.5 ? ' LAST' : ''}`;
    case 'AUTH':
      return `AUTH ${pick(rnd, MECHANISMS)}${rnd() < 0.5 ? ` ${base64(rnd)}` : ''}`;
    case 'VRFY':
      return `VRFY ${pick(rnd, ['bob', 'bob@example.test', ''])}`;
    case 'HELP':
      return rnd() < 0.5 ? 'HELP' : 'HELP MAIL';
    case 'NOOP':
      return rnd() < 0.5 ? 'NOOP' : 'NOOP anything';
    default:
      return pick(rnd, VERBS);
  }
}

function mutate(rnd: Random, line: string, limits: FuzzLimits): string {
  let out = line;
  const edits = int(rnd, 1, 4);
  for (let e = 0; e < edits; e++) {
    const at = int(rnd, 0, out.length);
    const op = rnd();
    if (op < 0.2) out = out.slice(0, at) + pick(rnd, SPLICES) + out.slice(at);
    else if (op < 0.3) out = out.slice(0, at) + randomBytes(rnd, int(rnd, 1, 8)) + out.slice(at);
    else if (op < 0.45) out = out.slice(0, at); // truncation
    else if (op < 0.55) out = out.slice(0, at) + out.slice(at + int(rnd, 1, 6));
    else if (op < 0.7) out = [...out].map((c) => (rnd() < 0.5 ? c.toLowerCase() : c.toUpperCase())).join('');
    else if (op < 0.8) out = pick(rnd, VERBS) + out.slice(out.indexOf(' ') < 0 ? out.length : out.indexOf(' '));
    else if (op < 0.9) out = out.slice(0, at) + out.slice(at, at + int(rnd, 1, 10)).repeat(int(rnd, 2, 50)) + out.slice(at);
    // over-long, often just around the limit
    else if (op < 0.95) out = out.padEnd(rnd() < 0.5 ? limits.maxLineLength + int(rnd, -3, 3) : int(rnd, limits.maxLineLength, limits.maxLineLength * 3), 'a');
    else out = out.slice(at) + out.slice(0, at); // rotated: parameters before the verb
  }
  return out;
}

/** The command verb as the engine reads it: UTF-8, up to the first space, upper-cased. */
export function verbOf(line: Buffer): string {
  const text = line.toString('utf8');
  const space = text.indexOf(' ');
  return (space < 0 ? text : text.slice(0, space)).toUpperCase();
}

/** The size a command line announces as BDAT, as the engine reads it; undefined if it is not a well-formed BDAT. */
export function bdatSize(line: Buffer): number | undefined {
  if (line.includes(0) || line.includes(0x0d) || line.includes(0x0a) || verbOf(line) !== 'BDAT') return undefined;
  const text = line.toString('utf8');
  const match = /^ ([0-9]{1,15})( LAST)? *$/i.exec(text.slice(text.indexOf(' ')));
  return match ? Number(match[1]) : undefined;
}

/**
 * Keeps a session going as planned: a STARTTLS that could succeed would need a handshake the
 * batch cannot do, a BDAT larger than the trailer drains would swallow it, and QUIT or a BDAT
 * without a size (which closes) would end the session before the rest was tried.
 */
function tame(line: Buffer, limits: FuzzLimits, mayEnd: boolean): Buffer {
  if (line.includes(0) || line.includes(0x0d) || line.includes(0x0a)) return line;
  const verb = verbOf(line);
  if (verb === 'STARTTLS') return Buffer.concat([line, bytes(' now')]);
  if (verb !== 'BDAT' && verb !== 'QUIT') return line;
  const size = bdatSize(line);
  if (size !== undefined) return size <= limits.maxChunk ? line : bytes(`BDAT ${size % limits.maxChunk}`);
  return mayEnd ? line : Buffer.concat([bytes('X'), line]);
}

/** Splits `text` into the lines the engine will see and tames each one. */
function tameLines(text: string, limits: FuzzLimits, mayEnd: boolean): Buffer[] {
  return text.split(CRLF).map((piece) => tame(bytes(piece), limits, mayEnd));
}

function dataBody(rnd: Random, limits: FuzzLimits): string {
  let body = '';
  // now and then just past maxMessageSize
  const size = rnd() < 0.05 ? limits.maxMessageSize + int(rnd, 1, 4096) : int(rnd, 0, 3000);
  while (body.length < size) {
    const r = rnd();
    body += r < 0.6 ? pick(rnd, BODY_PIECES) : r < 0.8 ? randomBytes(rnd, int(rnd, 1, 20)) : 'x'.repeat(int(rnd, 1, rnd() < 0.9 ? 100 : limits.maxLineLength));
  }
  // mostly a proper end, sometimes none (the next commands become data) or a smuggling look-alike
  const end = rnd();
  return body + (end < 0.85 ? '\r\n.\r\n' : end < 0.9 ? '.\r\n' : end < 0.95 ? '\n.\n' : '');
}

/** One pipelined batch: about `lines` cases, then a trailer that brings any state back to commands and quits. */
export function fuzzBatch(rnd: Random, lines: number, limits: FuzzLimits): FuzzBatch {
  // Most sessions get no QUIT and no BDAT syntax error (which closes) before the trailer.
  const mayEndEarly = rnd() < 0.1;
  const parts: Buffer[] = [];
  const line = (b: Buffer) => parts.push(b, bytes(CRLF));
  let cases = 0;
  while (cases < lines) {
    const r = rnd();
    if (r < 0.1) {
      // a transaction that may well be accepted, with a body full of traps
      line(bytes(`MAIL FROM:<fuzz@example.org>${rnd() < 0.3 ? ' BODY=8BITMIME' : ''}`));
      const recipients = int(rnd, 1, 3);
      for (let i = recipients; i > 0; i--) line(bytes(`RCPT TO:<${pick(rnd, ['bob', 'postmaster', 'x'])}@${rnd() < 0.8 ? 'example.test' : 'remote.example'}>`));
      cases += 1 + recipients;
      if (rnd() < 0.7) {
        line(bytes('DATA'));
        const body = tameLines(dataBody(rnd, limits), limits, mayEndEarly);
        parts.push(Buffer.concat(body.flatMap((b, i) => (i === 0 ? [b] : [bytes(CRLF), b]))));
      } else {
        for (let chunks = int(rnd, 1, 3); chunks > 0; chunks--) {
          const chunk = bytes(randomBytes(rnd, int(rnd, 0, limits.maxChunk)).replaceAll('\r', rnd() < 0.5 ? '\r\n' : '\r'));
          const size = Math.min(chunk.length, limits.maxChunk);
          line(bytes(`BDAT ${size}${chunks === 1 ? ' LAST' : ''}`));
          parts.push(chunk.subarray(0, size));
        }
      }
      cases++;
    } else if (r < 0.15) {
      line(bytes(`AUTH ${pick(rnd, ['PLAIN', 'LOGIN'])}`));
      const responses = int(rnd, 1, 2);
      for (let i = responses; i > 0; i--) line(bytes(base64(rnd)));
      cases += 1 + responses;
    } else if (r < 0.2) {
      for (const piece of tameLines(randomBytes(rnd, int(rnd, 0, 120)), limits, mayEndEarly)) line(piece);
      cases++;
    } else {
      const text = rnd() < 0.3 ? validCommand(rnd) : mutate(rnd, validCommand(rnd), limits);
      for (const piece of tameLines(text, limits, mayEndEarly)) line(piece);
      cases++;
    }
  }
  // Ends DATA, drains any BDAT chunk (the X line is longer than any chunk), leaves SASL, quits.
  parts.push(bytes(`\r\n.\r\n${'X'.repeat(limits.maxChunk + 8)}\r\nRSET\r\nQUIT\r\n`));
  return { bytes: Buffer.concat(parts), cases };
}
