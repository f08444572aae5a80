// Decodes a part's body as it streams by, calling back with the decoded bytes. Base64 and the
// identity encodings are decoded here, synchronously and in batches: a stream per part, fed line
// by line, cost more than the decoding itself. Quoted-printable goes through mailsplit's decoder.
import type { MimeNode } from '@zone-eu/mailsplit';
import type { Transform } from 'node:stream';

/** Encoded bytes gathered before a base64 batch is decoded. */
const BASE64_BATCH = 16 * 1024;

export interface BodyDecoder {
  write(encoded: Buffer): void;
  /** Decodes what is left; resolves once every decoded byte was handed over. */
  end(): Promise<void>;
  /** Gives up: nothing more is handed over. */
  destroy(): void;
}

export function bodyDecoder(node: MimeNode, take: (decoded: Buffer) => void): BodyDecoder {
  const encoding = (node.encoding || '').toLowerCase();
  if (encoding === 'base64') return new Base64Decoder(take);
  if (encoding === 'quoted-printable') return new StreamDecoder(node.getDecoder() as Transform, take);
  // 7bit, 8bit, binary and unknown encodings: the body is the content.
  return { write: take, end: () => Promise.resolve(), destroy: () => undefined };
}

/**
 * Lenient, as mail clients are: characters outside the base64 alphabet are skipped, padding in
 * the middle is ignored, and a cut-off end yields the bytes that were complete.
 */
class Base64Decoder implements BodyDecoder {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** Alphabet characters left over from the last batch (fewer than 4). */
  private carry = '';

  constructor(private readonly take: (decoded: Buffer) => void) {}

  write(encoded: Buffer): void {
    this.pending.push(encoded);
    this.pendingLength += encoded.length;
    if (this.pendingLength >= BASE64_BATCH) this.decode(false);
  }

  end(): Promise<void> {
    this.decode(true);
    return Promise.resolve();
  }

  destroy(): void {
    this.pending = [];
    this.carry = '';
  }

  private decode(last: boolean): void {
    const text = this.carry + Buffer.concat(this.pending).toString('latin1').replace(/[^A-Za-z0-9+/]+/g, '');
    this.pending = [];
    this.pendingLength = 0;
    const whole = last ? text.length : text.length - (text.length % 4);
    this.carry = text.slice(whole);
    if (whole > 0) this.take(Buffer.from(text.slice(0, whole), 'base64'));
  }
}

class StreamDecoder implements BodyDecoder {
  private readonly ended: Promise<void>;

  constructor(
    private readonly stream: Transform,
    take: (decoded: Buffer) => void,
  ) {
    stream.on('data', take);
    this.ended = new Promise((resolve) => {
      stream.once('end', resolve);
      stream.once('error', () => resolve());
    });
  }

  write(encoded: Buffer): void {
    this.stream.write(encoded);
  }

  end(): Promise<void> {
    this.stream.end();
    return this.ended;
  }

  destroy(): void {
    this.stream.destroy();
  }
}
