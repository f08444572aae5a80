// The message as end-of-data checks see and change it. Header fields they add are kept aside and
// written in front of the message once, just before the commit, rather than once per check.
import { Readable } from 'node:stream';
import { prefixedStream } from '../../system/prefixed-stream.ts';
import type { MessageWriter } from './sink.ts';

/** A field name, a colon, and a value whose lines are joined by CRLF + whitespace (RFC 5322 folding). */
const HEADER_FIELD = /^[!-9;-~]+:[^\r\n]*(?:\r\n[ \t][^\r\n]*)*$/;

export class EditableMessage {
  private added: Buffer[] = [];
  private addedBytes = 0;

  constructor(
    private readonly writer: MessageWriter,
    private bytes: number,
  ) {}

  get size(): number {
    return this.bytes + this.addedBytes;
  }

  addHeader(field: string): void {
    // A check's bug must not be able to end the header section early or smuggle a line.
    if (!HEADER_FIELD.test(field)) throw new Error(`not a header field: ${JSON.stringify(field.slice(0, 80))}`);
    const line = Buffer.from(`${field}\r\n`);
    this.added.unshift(line);
    this.addedBytes += line.length;
  }

  async read(): Promise<NodeJS.ReadableStream> {
    const stored = await this.writer.read();
    if (this.added.length === 0) return stored;
    return prefixedStream(Buffer.concat(this.added, this.addedBytes), stored);
  }

  async replace(message: Buffer | NodeJS.ReadableStream): Promise<void> {
    const counter = { bytes: 0 };
    await this.writer.replace(Buffer.isBuffer(message) ? message : Readable.from(counting(message, counter)));
    this.bytes = Buffer.isBuffer(message) ? message.length : counter.bytes;
    this.added = [];
    this.addedBytes = 0;
  }

  /** Writes the added fields into the stored message; called once, before the commit. */
  async settle(): Promise<void> {
    if (this.added.length === 0) return;
    await this.writer.prepend(Buffer.concat(this.added, this.addedBytes));
    this.bytes += this.addedBytes;
    this.added = [];
    this.addedBytes = 0;
  }
}

async function* counting(source: NodeJS.ReadableStream, counter: { bytes: number }): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    counter.bytes += buffer.length;
    yield buffer;
  }
}
