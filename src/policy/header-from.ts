// The addresses in a message's From fields, read from the top of the message only: reading
// stops at the end of the header section, so a large body costs nothing and a header of
// 10,000 lines is one pass over its bytes.
import { simpleParser } from 'mailparser';

/** Header sections beyond this are not read further: the fields after it are not looked at. */
const MAX_HEADER_BYTES = 4 * 1024 * 1024;

/** The unfolded values of every From field ("From: a <b@c>" gives "a <b@c>"). */
export async function fromFieldValues(message: NodeJS.ReadableStream): Promise<string[]> {
  const values: string[] = [];
  let current: string | undefined;
  let pending = '';
  let read = 0;
  const endField = () => {
    if (current !== undefined) values.push(current);
    current = undefined;
  };
  try {
    for await (const chunk of message) {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
      read += text.length;
      const lines = (pending + text).split('\r\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line === '') return endField(), values;
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

/** The addresses in one From value, groups included, parsed by mailparser (quoted names, comments, encoded words). */
export async function addressesIn(fromValue: string): Promise<string[]> {
  const parsed = await simpleParser(Buffer.from(`From:${fromValue}\r\n\r\n`, 'latin1'), { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true });
  const out: string[] = [];
  for (const entry of parsed.from?.value ?? []) {
    for (const member of entry.group ?? [entry]) if (member.address) out.push(member.address);
  }
  return out;
}
