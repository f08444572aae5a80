// On submission (RFC 6409 §8.2, §8.3) a message without a Date or Message-ID header gets one, as
// Postfix's cleanup adds them for its own clients. The header section streams through; only the
// line being read is held. The added fields go where the header section ends: before the empty
// line, or, when the body starts without one, before the body with the missing empty line.
import { randomBytes } from 'node:crypto';
import { rfc5322Date } from './received.ts';

const CRLF = Buffer.from('\r\n');
const HEADER_FIELD = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;
/** A header line longer than this ends the header scan: such a line is no header a user agent writes. */
const MAX_HEADER_LINE = 64 * 1024;

export class MissingHeaders {
  private inHeaders = true;
  private sawField = false;
  private hasDate = false;
  private hasMessageId = false;
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly emit: (chunk: Buffer) => void,
    private readonly hostname: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  write(chunk: Buffer): void {
    if (!this.inHeaders) return this.emit(chunk);
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Buffer[] = [];
    let start = 0;
    for (let end = buf.indexOf(CRLF, start); end >= 0 && this.inHeaders; end = buf.indexOf(CRLF, start)) {
      const line = buf.subarray(start, end);
      if (!this.isHeaderLine(line)) {
        out.push(this.added());
        if (line.length > 0) out.push(CRLF);
        this.inHeaders = false;
        break;
      }
      out.push(buf.subarray(start, end + 2));
      start = end + 2;
    }
    buf = buf.subarray(start);
    if (this.inHeaders && buf.length > MAX_HEADER_LINE) {
      out.push(this.added());
      this.inHeaders = false;
    }
    if (this.inHeaders) this.pending = Buffer.from(buf);
    else {
      out.push(buf);
      this.pending = Buffer.alloc(0);
    }
    if (out.length > 0) this.emit(Buffer.concat(out));
  }

  /** The message ended: a message that is all header section gets the fields at its end. */
  end(): void {
    if (!this.inHeaders) return;
    this.inHeaders = false;
    this.emit(Buffer.concat([this.pending, this.added()]));
    this.pending = Buffer.alloc(0);
  }

  private isHeaderLine(line: Buffer): boolean {
    if (line.length === 0) return false;
    if (line[0] === 0x20 || line[0] === 0x09) return this.sawField;
    const head = line.subarray(0, 80).toString('latin1');
    if (!HEADER_FIELD.test(head)) return false;
    this.sawField = true;
    const name = head.slice(0, head.indexOf(':')).trimEnd().toLowerCase();
    if (name === 'date') this.hasDate = true;
    else if (name === 'message-id') this.hasMessageId = true;
    return true;
  }

  private added(): Buffer {
    let fields = '';
    if (!this.hasDate) fields += `Date: ${rfc5322Date(this.now())}\r\n`;
    if (!this.hasMessageId) fields += `Message-ID: <${Date.now().toString(36)}.${randomBytes(8).toString('hex')}@${this.hostname}>\r\n`;
    return Buffer.from(fields);
  }
}
