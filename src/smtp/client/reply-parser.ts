// Replies as they come off the wire (RFC 5321 §4.2): "ddd-text" lines up to a "ddd text" (or a
// bare "ddd") line. A peer that sends anything else, or lines longer than any server needs, has
// lost the plot or is attacking us: the parser throws and the connection is given up.
import type { PeerReply } from './types.ts';

/** Longer than RFC 5321's 512 octets: some servers send long texts, none needs 4 KiB a line. */
const MAX_LINE = 4096;
/** Bounds the memory one reply may take (an EHLO reply has a few dozen lines). */
const MAX_LINES = 200;

export class MalformedReplyError extends Error {}

export interface RawReply {
  code: number;
  lines: string[];
}

export class ReplyParser {
  private pending: Buffer = Buffer.alloc(0);
  private lines: string[] = [];
  private code = 0;
  private readonly ready: RawReply[] = [];

  /** Adds received bytes; throws MalformedReplyError on garbage. */
  push(data: Buffer): void {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    let start = 0;
    for (let lf = this.pending.indexOf(0x0a, start); lf !== -1; lf = this.pending.indexOf(0x0a, start)) {
      // Lenient about a bare LF at the end of a reply line: some servers send it and it is not ambiguous here.
      const end = lf > start && this.pending[lf - 1] === 0x0d ? lf - 1 : lf;
      this.line(this.pending.toString('latin1', start, end));
      start = lf + 1;
    }
    this.pending = this.pending.subarray(start);
    if (this.pending.length > MAX_LINE) throw new MalformedReplyError(`reply line longer than ${MAX_LINE} bytes`);
  }

  /** The next complete reply, if one has arrived. */
  next(): RawReply | undefined {
    return this.ready.shift();
  }

  /** Drops what has arrived and not been read (plaintext left over when TLS starts). */
  clear(): void {
    this.pending = Buffer.alloc(0);
    this.lines = [];
    this.ready.length = 0;
  }

  private line(text: string): void {
    if (text.length > MAX_LINE) throw new MalformedReplyError(`reply line longer than ${MAX_LINE} bytes`);
    const m = /^([2-5][0-9][0-9])(?:([ -])(.*))?$/s.exec(text);
    if (!m) throw new MalformedReplyError(`malformed reply line "${printable(text)}"`);
    const code = Number(m[1]);
    if (this.lines.length > 0 && code !== this.code) throw new MalformedReplyError(`reply lines with different codes ${this.code} and ${code}`);
    this.code = code;
    this.lines.push(m[3] ?? '');
    if (m[2] === '-') {
      if (this.lines.length >= MAX_LINES) throw new MalformedReplyError(`reply longer than ${MAX_LINES} lines`);
      return;
    }
    this.ready.push({ code, lines: this.lines });
    this.lines = [];
  }
}

/** A reply for the caller: the RFC 3463 code taken off each line when the text starts with one of the reply's class. */
export function peerReply(raw: RawReply, inReplyTo?: string): PeerReply {
  const first = /^([245]\.\d{1,3}\.\d{1,3})(?: +|$)/.exec(raw.lines[0] ?? '');
  const enhanced = first && first[1]![0] === String(raw.code)[0] ? first[1]! : undefined;
  const lines = enhanced ? raw.lines.map((l) => (l.startsWith(enhanced) ? l.slice(enhanced.length).trimStart() : l)) : raw.lines;
  const reply: PeerReply = { code: raw.code, text: lines.join('\n') };
  if (enhanced) reply.enhanced = enhanced;
  if (inReplyTo) reply.inReplyTo = inReplyTo;
  return reply;
}

/** For error texts: a peer's bytes, cut short and with control characters made visible. */
export function printable(text: string): string {
  const cut = text.length > 80 ? `${text.slice(0, 80)}...` : text;
  return cut.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
