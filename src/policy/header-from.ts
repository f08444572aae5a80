// The From fields of a message, read from its top only: reading stops at the end of the header
// section, so a large body costs nothing and a header of 10,000 lines is one pass over its bytes.
import { simpleParser } from 'mailparser';

/** Header sections beyond this are not read further: the fields after it are not looked at. */
const MAX_HEADER_BYTES = 4 * 1024 * 1024;

/**
 * The unfolded value of every From field, as a reader would see it: UTF-8, and RFC 2047 encoded
 * words decoded by mailparser (a display name "=?utf-8?q?boss=40example.test?=" reads as an address).
 */
export async function readFromFields(message: NodeJS.ReadableStream): Promise<string[]> {
  const raw = await rawFromValues(message);
  if (!raw.some((v) => v.includes('=?'))) return raw;
  // One parse for all fields; each is named apart so that mailparser keeps every one.
  const header = raw.map((v, i) => `X-From-${i}:${v}`).join('\r\n');
  const parsed = await simpleParser(Buffer.from(`${header}\r\n\r\n`), { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true });
  return raw.map((v, i) => {
    const decoded = parsed.headers.get(`x-from-${i}`);
    return typeof decoded === 'string' && decoded !== v.trim() ? `${v} ${decoded}` : v;
  });
}

async function rawFromValues(message: NodeJS.ReadableStream): Promise<string[]> {
  // Lines are split in latin1 (one character per byte, so a chunk boundary never cuts a
  // character) and each value turned into UTF-8 once it is whole.
  const values: string[] = [];
  let current: string | undefined;
  let pending = '';
  let read = 0;
  const endField = () => {
    if (current !== undefined) values.push(Buffer.from(current, 'latin1').toString('utf8'));
    current = undefined;
  };
  try {
    for await (const chunk of message) {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
      read += text.length;
      const lines = (pending + text).split('\r\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line === '') {
          endField();
          return values;
        }
        if (line.startsWith(' ') || line.startsWith('\t')) {
          if (current !== undefined) current += line;
          continue;
        }
        endField();
        if (/^from[ \t]*:/i.test(line)) current = line.slice(line.indexOf(':') + 1);
      }
      if (read > MAX_HEADER_BYTES) break;
    }
    endField();
    return values;
  } finally {
    (message as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }
}
