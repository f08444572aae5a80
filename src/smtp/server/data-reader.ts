// The message data of DATA (RFC 5321 §4.1.1.4, §4.5.2). Only <CRLF>.<CRLF> ends it: a bare LF or
// bare CR is never a line end here, so "\n.\n", "\r.\r" and their mixtures cannot end a message
// early (SMTP smuggling, CVE-2023-51764 class); they are stored as CRLF (normalize) or make the
// message refused (reject). Dot-stuffing is undone at real line starts. The output has CRLF line
// endings only, so whoever sends it on re-stuffs every line start and nothing can be smuggled
// through Postern either. BDAT chunks (RFC 3030) go through the same reader without dot
// handling: their end is counted, not marked, but their line endings are made CRLF all the same.

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CRLF = Buffer.from('\r\n');

export interface DataProgress {
  /** Set once the terminating <CRLF>.<CRLF> was seen: the bytes after it (pipelined commands). */
  rest?: Buffer;
}

export class DataReader {
  private lineStart = true;
  private carry: Buffer | undefined;
  /** Bytes of message content produced so far. */
  size = 0;
  /** Whether a bare CR or bare LF was seen. */
  sawBareLineEnding = false;

  private endsWithLf = false;

  /** dotStuffed: DATA (dot-stuffing, ends at CRLF.CRLF); false for BDAT chunks. */
  constructor(
    private readonly emit: (chunk: Buffer) => void,
    private readonly dotStuffed = true,
  ) {}

  /** Feeds bytes from the client; returns rest once the message has ended. */
  feed(chunk: Buffer): DataProgress {
    const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = undefined;
    const len = buf.length;
    let i = 0;
    while (i < len) {
      if (this.lineStart && this.dotStuffed) {
        if (buf[i] === DOT) {
          if (len - i < 3) {
            this.carry = buf.subarray(i);
            return {};
          }
          if (buf[i + 1] === CR && buf[i + 2] === LF) return { rest: buf.subarray(i + 3) };
          i++; // a stuffed dot
        }
        this.lineStart = false;
      }
      const cr = buf.indexOf(CR, i);
      const lf = buf.indexOf(LF, i);
      const j = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
      if (j < 0) {
        this.out(buf.subarray(i));
        return {};
      }
      if (j > i) this.out(buf.subarray(i, j));
      if (buf[j] === CR) {
        if (j + 1 >= len) {
          this.carry = buf.subarray(j);
          return {};
        }
        if (buf[j + 1] === LF) {
          this.out(CRLF);
          i = j + 2;
          this.lineStart = true;
          continue;
        }
      }
      this.sawBareLineEnding = true;
      this.out(CRLF);
      i = j + 1;
    }
    return {};
  }

  /** The end of a BDAT message: a CR left at the very end is a bare one, and the last line gets its CRLF. */
  finish(): void {
    if (this.carry) {
      this.carry = undefined;
      this.sawBareLineEnding = true;
      this.out(CRLF);
    }
    if (this.size > 0 && !this.endsWithLf) this.out(CRLF);
  }

  private out(bytes: Buffer): void {
    this.size += bytes.length;
    this.endsWithLf = bytes[bytes.length - 1] === LF;
    this.emit(bytes);
  }
}
