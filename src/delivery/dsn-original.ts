// The copy of the original that a DSN returns (RFC 3461 §4.3 RET, RFC 3464 §2.1): the whole
// message when that was asked for and it fits the size limit, else its header section only.
// Like Postfix with bounce_size_limit, a large message is never cut short: half a body would
// break its MIME structure, the headers alone do not. Only what may be returned is read.
import { MAX_LINE } from './dsn-format.ts';

/** Postfix's header_size_limit: a header section is returned up to this many octets. */
const HEADER_LIMIT = 102_400;
const HEADER_FIELD = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;

export interface ReturnedOriginal {
  /** The octets to attach: CRLF line endings only, no line longer than MAX_LINE. */
  content: Buffer;
  headersOnly: boolean;
  /** Whether any octet has its high bit set, so the part needs 8bit transfer encoding. */
  eightBit: boolean;
  /** The original's Message-ID, for the report's In-Reply-To and References. */
  messageId?: string;
}

/**
 * Reads up to `limit` octets. Leaving the loop early destroys the stream, so a spool file is
 * closed even though the rest of it is never read.
 */
async function readAtMost(stream: NodeJS.ReadableStream, limit: number): Promise<{ bytes: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(buf);
    size += buf.length;
    if (size > limit) return { bytes: Buffer.concat(chunks).subarray(0, limit), complete: false };
  }
  return { bytes: Buffer.concat(chunks), complete: true };
}

/**
 * The header section: the lines up to the empty line, or up to the first line that is no
 * header field, as a broken message may have none. Each line keeps its CRLF.
 */
function headerSection(text: string): string {
  let end = 0;
  let sawField = false;
  for (let eol = text.indexOf('\r\n'); eol >= 0; eol = text.indexOf('\r\n', end)) {
    const line = text.slice(end, eol);
    const isField = /^[ \t]/.test(line) ? sawField : HEADER_FIELD.test(line);
    if (!isField) break;
    sawField = true;
    end = eol + 2;
  }
  return text.slice(0, end);
}

// Lines are measured by splitting, not by a regular expression: /[^\r\n]{999}/ retries from
// every offset and took a third of a second on 100 lines of 998 octets.
function hasLongLine(text: string): boolean {
  return text.split('\r\n').some((line) => line.length > MAX_LINE);
}

/**
 * Folds header lines longer than MAX_LINE by cutting them (a continuation line adds a space
 * to the value, which a returned copy can bear), never inside a UTF-8 sequence.
 */
function foldLongLines(headers: string): string {
  return headers
    .split('\r\n')
    .map((line) => {
      const parts: string[] = [];
      let rest = line;
      while (rest.length > MAX_LINE) {
        let cut = MAX_LINE - 1;
        // Back over at most three continuation octets: further back it is no UTF-8 anyway.
        for (let back = 0; back < 3 && (rest.charCodeAt(cut) & 0xc0) === 0x80; back++) cut--;
        parts.push(rest.slice(0, cut));
        rest = ` ${rest.slice(cut)}`;
      }
      return [...parts, rest].join('\r\n');
    })
    .join('\r\n');
}

function messageIdOf(headers: string): string | undefined {
  const field = /^message-id[ \t]*:((?:[^\r\n]|\r\n[ \t])*)/im.exec(headers);
  return field ? /<[\x21-\x3b\x3d\x3f-\x7e]{1,250}>/.exec(field[1])?.[0] : undefined;
}

export async function returnedOriginal(stream: NodeJS.ReadableStream, wantHeadersOnly: boolean, maxBytes: number): Promise<ReturnedOriginal> {
  const { bytes, complete } = await readAtMost(stream, wantHeadersOnly ? HEADER_LIMIT : Math.max(maxBytes, HEADER_LIMIT));
  // Octet by octet (latin1): a bare CR or LF in the stored copy becomes CRLF, and whatever the
  // bytes are, none is lost or changed on the way back to a Buffer.
  let text = bytes.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n');
  const whole = !wantHeadersOnly && complete && bytes.length <= maxBytes && !hasLongLine(text);
  if (complete && !text.endsWith('\r\n')) text += '\r\n';
  const headers = foldLongLines(headerSection(text));
  const content = whole ? text : headers;
  return { content: Buffer.from(content, 'latin1'), headersOnly: !whole, eightBit: /[\x80-\xff]/.test(content), messageId: messageIdOf(headers) };
}
