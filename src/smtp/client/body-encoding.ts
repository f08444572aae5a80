// The message on its way to the wire. The stored message already has CRLF line endings only;
// still, a bare CR or LF is turned into CRLF here, so that nothing we send can be read two ways
// by the next hop (SMTP smuggling). Then either DATA's dot-stuffing or BDAT's chunks.

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CRLF = Buffer.from('\r\n');
const CR_ONLY = Buffer.from('\r');
const LF_ONLY = Buffer.from('\n');
const DOT_ONLY = Buffer.from('.');
const END_OF_DATA = Buffer.from('.\r\n');

/** The stream as Buffers with CRLF line endings only, ending with CRLF unless empty. */
export async function* crlfChunks(source: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  let pendingCr = false;
  let last = -1;
  for await (const piece of source) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece;
    if (chunk.length === 0) continue;
    const out: Buffer[] = [];
    let from = 0;
    let i = 0;
    if (pendingCr) {
      // The previous piece ended with CR: this piece's LF completes it, anything else makes it bare.
      pendingCr = false;
      if (chunk[0] === LF) i = 1;
      else out.push(LF_ONLY);
    }
    // indexOf runs natively, and each of the two scans resumes past its last find: linear in the piece.
    let cr = chunk.indexOf(CR, i);
    let lf = chunk.indexOf(LF, i);
    while (cr !== -1 || lf !== -1) {
      if (lf !== -1 && (cr === -1 || lf < cr)) {
        // A bare LF: a CR goes in before it.
        out.push(chunk.subarray(from, lf), CR_ONLY);
        from = lf;
        lf = chunk.indexOf(LF, lf + 1);
        continue;
      }
      if (cr + 1 === chunk.length) {
        pendingCr = true;
        break;
      }
      if (lf === cr + 1) {
        lf = chunk.indexOf(LF, cr + 2);
      } else {
        // A bare CR: an LF goes in after it.
        out.push(chunk.subarray(from, cr + 1), LF_ONLY);
        from = cr + 1;
      }
      cr = chunk.indexOf(CR, cr + 1);
    }
    out.push(chunk.subarray(from));
    const normalised = out.length === 1 ? out[0]! : Buffer.concat(out);
    last = normalised[normalised.length - 1]!;
    yield normalised;
  }
  if (pendingCr) yield LF_ONLY;
  else if (last !== -1 && last !== LF) yield CRLF;
}

/** DATA's content: a line starting with "." gets another (RFC 5321 §4.5.2), and the final ".\r\n" comes with the last piece. */
export async function* dotStuffed(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let lineStart = true;
  let held: Buffer | undefined;
  for await (const chunk of chunks) {
    if (chunk.length === 0) continue;
    const out: Buffer[] = [];
    let from = 0;
    if (lineStart && chunk[0] === DOT) out.push(DOT_ONLY);
    for (let lf = chunk.indexOf(LF); lf !== -1; lf = chunk.indexOf(LF, lf + 1)) {
      if (chunk[lf + 1] === DOT) {
        out.push(chunk.subarray(from, lf + 1), DOT_ONLY);
        from = lf + 1;
      }
    }
    out.push(chunk.subarray(from));
    lineStart = chunk[chunk.length - 1] === LF;
    if (held) yield held;
    held = out.length === 1 ? out[0]! : Buffer.concat(out);
  }
  yield held ? Buffer.concat([held, END_OF_DATA]) : END_OF_DATA;
}

/** BDAT's chunks (RFC 3030): up to `size` bytes each, the last one marked. Sent as they are, without dot-stuffing. */
export async function* bdatChunks(chunks: AsyncIterable<Buffer>, size: number): AsyncGenerator<{ data: Buffer; last: boolean }> {
  let parts: Buffer[] = [];
  let length = 0;
  let full: Buffer | undefined;
  for await (let chunk of chunks) {
    while (chunk.length > 0) {
      const take = Math.min(size - length, chunk.length);
      parts.push(chunk.subarray(0, take));
      length += take;
      chunk = chunk.subarray(take);
      if (length === size) {
        // Held back until more comes, as only then is it known not to be the last.
        if (full) yield { data: full, last: false };
        full = Buffer.concat(parts);
        parts = [];
        length = 0;
      }
    }
  }
  if (length > 0) {
    if (full) yield { data: full, last: false };
    yield { data: Buffer.concat(parts), last: true };
  } else {
    yield { data: full ?? Buffer.alloc(0), last: true };
  }
}
