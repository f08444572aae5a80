// Reads a possibly compressed name from a message. Every read is bounded by the buffer, and
// each compression pointer must point before the start of the label run it ends, so the
// walk strictly moves backwards and cannot loop.

import { WireError } from './errors.ts';
import { labelToText } from './names.ts';

const MAX_NAME = 255;

export interface NameRead {
  name: string;
  /** Offset just after the name as it sits at `offset` (after the first pointer, if any). */
  end: number;
}

export function readName(buf: Buffer, offset: number, allowPointers = true): NameRead {
  let pos = offset;
  let runStart = offset;
  let end = -1;
  let wireLength = 1;
  let name = '';
  for (;;) {
    if (pos >= buf.length) throw new WireError('TRUNCATED', `name at ${offset} runs past the data`);
    const length = buf[pos];
    if (length === 0) {
      if (end < 0) end = pos + 1;
      return { name, end };
    }
    const labelType = length & 0xc0;
    if (labelType === 0xc0) {
      if (!allowPointers) throw new WireError('BAD_POINTER', `compression pointer at ${pos} where names must not be compressed`);
      if (pos + 1 >= buf.length) throw new WireError('TRUNCATED', `compression pointer at ${pos} cut short`);
      const target = ((length & 0x3f) << 8) | buf[pos + 1];
      if (target > pos) throw new WireError('BAD_POINTER', `compression pointer at ${pos} points forward to ${target}`);
      if (target >= runStart) throw new WireError('POINTER_LOOP', `compression pointer at ${pos} points back into its own name (${target})`);
      if (end < 0) end = pos + 2;
      pos = runStart = target;
      continue;
    }
    if (labelType !== 0) throw new WireError('BAD_LABEL_TYPE', `label type 0x${labelType.toString(16)} at ${pos}`);
    wireLength += length + 1;
    if (wireLength > MAX_NAME) throw new WireError('NAME_TOO_LONG', `name at ${offset} is over ${MAX_NAME} octets`);
    if (pos + 1 + length > buf.length) throw new WireError('TRUNCATED', `label at ${pos} runs past the data`);
    name += (name === '' ? '' : '.') + labelToText(buf, pos + 1, length);
    pos += length + 1;
  }
}
