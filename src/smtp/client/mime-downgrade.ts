// 8-bit content for a peer without 8BITMIME (RFC 6152 §3), converted like Postfix does it: each
// leaf part that carries 8-bit bytes becomes quoted-printable with its Content-Transfer-Encoding
// changed to match, and multipart or message/rfc822 entities labelled 8bit or binary are
// relabelled 7bit. Two departures from Postfix, both so that nothing 8-bit reaches a 7-bit
// peer: a part without a Content-Transfer-Encoding is converted too when it holds 8-bit bytes
// (Postfix passes it on unchanged), and a message without MIME headers gets them, labelled
// charset=unknown-8bit as RFC 1428 prescribes for unlabelled 8-bit text. What cannot be
// converted (8-bit in a header, in a message/* body other than rfc822, outside the parts of a
// multipart, or nesting too deep) is refused before anything is sent.
import { MimeWalker, type BodyKind, type Entity } from './mime-walk.ts';
import { qpEncodeLine } from './quoted-printable.ts';

export interface DowngradePlan {
  /** The message has 8-bit bytes anywhere. */
  eightBit: boolean;
  /** Why it cannot be converted (only when eightBit). */
  problem?: string;
  /** Ordinals of the leaf entities to convert. */
  convert: Set<number>;
}

const EIGHT_BIT = /[\x80-\xff]/;
const OUTPUT_BLOCK = 64 * 1024;

/** The lines of CRLF-terminated chunks, as latin1 strings (one char per byte) without CRLF. */
async function* lines(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let partial = '';
  for await (const chunk of chunks) {
    const text = partial + chunk.toString('latin1');
    const parts = text.split('\r\n');
    partial = parts.pop()!;
    yield* parts;
  }
  if (partial !== '') yield partial;
}

/** The first pass: whether the message has 8-bit bytes, where, and whether they can be converted. */
export async function planDowngrade(chunks: AsyncIterable<Buffer>): Promise<DowngradePlan> {
  const plan: DowngradePlan = { eightBit: false, convert: new Set() };
  let problem: string | undefined;
  const found = (why?: string) => {
    plan.eightBit = true;
    if (why) problem ??= why;
  };
  const walker = new MimeWalker({
    headers(_entity, fields) {
      if (fields.some((f) => f.some((l) => EIGHT_BIT.test(l)))) found('8-bit data in a message header');
    },
    body(entity: Entity, kind: BodyKind, line: string) {
      if (!EIGHT_BIT.test(line)) return;
      if (kind === 'leaf') {
        found();
        plan.convert.add(entity.ordinal);
      } else {
        found(kind === 'message' ? `8-bit data in a ${entity.type} body` : '8-bit data outside the parts of a multipart');
      }
    },
    boundary(line) {
      if (EIGHT_BIT.test(line)) found('8-bit data in a multipart boundary line');
    },
    tooDeep() {
      problem ??= 'MIME nesting exceeds the safety limit';
    },
  });
  for await (const line of lines(chunks)) walker.line(line);
  walker.end();
  if (plan.eightBit && problem) plan.problem = problem;
  return plan;
}

function isEncodingField(field: string[]): boolean {
  return /^content-transfer-encoding[ \t]*:/i.test(field[0]!);
}

/** The second pass: the message converted as planned, as CRLF-terminated chunks. */
export async function* downgraded(chunks: AsyncIterable<Buffer>, plan: DowngradePlan): AsyncGenerator<Buffer> {
  let out: string[] = [];
  let size = 0;
  const emit = (line: string) => {
    out.push(line);
    size += line.length + 2;
  };
  const walker = new MimeWalker({
    headers(entity, fields, blankLine) {
      const convert = plan.convert.has(entity.ordinal);
      const composite = entity.type.startsWith('multipart/') || entity.type === 'message/rfc822';
      const relabel = composite && (entity.encoding === '8bit' || entity.encoding === 'binary');
      for (const field of fields) {
        if ((convert || relabel) && isEncodingField(field)) continue;
        field.forEach(emit);
      }
      if (convert) {
        if (entity.primary && !entity.hasMimeVersion) emit('MIME-Version: 1.0');
        if (!entity.hasContentType && entity.type === 'text/plain') emit('Content-Type: text/plain; charset=unknown-8bit');
        emit('Content-Transfer-Encoding: quoted-printable');
      }
      if (relabel) emit('Content-Transfer-Encoding: 7bit');
      // A header block cut short by a line that is no header gets its blank line when we changed it.
      if (blankLine || convert || relabel) emit('');
    },
    body(entity, _kind, line) {
      if (plan.convert.has(entity.ordinal)) qpEncodeLine(line).forEach(emit);
      else emit(line);
    },
    boundary: emit,
    tooDeep() {},
  });
  const flush = () => {
    const block = Buffer.from(`${out.join('\r\n')}\r\n`, 'latin1');
    out = [];
    size = 0;
    return block;
  };
  for await (const line of lines(chunks)) {
    walker.line(line);
    if (size >= OUTPUT_BLOCK) yield flush();
  }
  walker.end();
  if (out.length > 0) yield flush();
}
