// A message being received, by DATA or by BDAT chunks: client bytes go through the DataReader
// (line endings, dot-stuffing), on submission through MissingHeaders, into the spool's writer,
// after the Received header. Past the size limit nothing more is stored; the engine answers 552.
import { DataReader, type DataProgress } from './data-reader.ts';
import { MissingHeaders } from './missing-headers.ts';
import type { MessageWriter } from './sink.ts';

export interface IncomingMessageOptions {
  maxSize: number;
  /** true for DATA, false for BDAT. */
  dotStuffed: boolean;
  /** The trace header(s) written first. */
  trace: string;
  /** Set on submission: add Date and Message-ID when missing, naming this host. */
  addMissingHeadersAs?: string;
}

export class IncomingMessage {
  private readonly reader: DataReader;
  private readonly headers: MissingHeaders | undefined;

  constructor(
    readonly writer: MessageWriter,
    private readonly options: IncomingMessageOptions,
  ) {
    const store = (chunk: Buffer) => writer.write(chunk);
    this.headers = options.addMissingHeadersAs === undefined ? undefined : new MissingHeaders(store, options.addMissingHeadersAs);
    const next = this.headers ? (chunk: Buffer) => this.headers!.write(chunk) : store;
    this.reader = new DataReader((chunk) => {
      if (this.reader.size <= options.maxSize) next(chunk);
    }, options.dotStuffed);
    writer.write(Buffer.from(options.trace));
  }

  /** Bytes from the client; for DATA, `rest` is set once <CRLF>.<CRLF> was seen. */
  feed(chunk: Buffer): DataProgress {
    return this.reader.feed(chunk);
  }

  /** All of the message has arrived. */
  finish(): void {
    if (!this.options.dotStuffed) this.reader.finish();
    if (!this.tooBig) this.headers?.end();
  }

  /** Bytes of message content received (after line-ending normalisation). */
  get size(): number {
    return this.reader.size;
  }

  get tooBig(): boolean {
    return this.reader.size > this.options.maxSize;
  }

  get sawBareLineEnding(): boolean {
    return this.reader.sawBareLineEnding;
  }
}
