// The From fields of a message, read from its top only: reading stops at the end of the header
// section, so a large body costs nothing and a header of 10,000 lines is one pass over its bytes.

/** Header sections beyond this are not read further: the fields after it are not looked at. */
const MAX_HEADER_BYTES = 4 * 1024 * 1024;

/** The unfolded value of every From field, in UTF-8 ("From: a <b@c>" gives " a <b@c>"). */
export async function readFromFields(message: NodeJS.ReadableStream): Promise<string[]> {
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
  /** Takes one line; true at the blank line that ends the header section. */
  const take = (line: string): boolean => {
    if (line === '') return true;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (current !== undefined) current += line;
      return false;
    }
    endField();
    if (/^from[ \t]*:/i.test(line)) current = line.slice(line.indexOf(':') + 1);
    return false;
  };
  try {
    for await (const chunk of message) {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
      read += text.length;
      const lines = (pending + text).split('\r\n');
      pending = lines.pop()!;
      if (lines.some(take) || read > MAX_HEADER_BYTES) {
        pending = '';
        break;
      }
    }
    // A message that is all header, without a final line end, ends with its last field.
    if (pending !== '') take(pending);
    endField();
    return values;
  } finally {
    (message as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }
}
