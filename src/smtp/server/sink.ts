// Where the engine puts an accepted message. The engine knows nothing of the spool behind it:
// it opens a writer when DATA (or the first BDAT) begins, streams the message into it, and
// replies 250 only after commit() has resolved, which the sink promises happens only once the
// message is on stable storage. A message committed with a quarantine mark is stored but kept
// from delivery until an administrator releases it.
import type { Envelope } from '../../queue/envelope.ts';

export interface MessageWriter {
  /** The queue id the message gets when committed (named in the Received header). */
  readonly id: string;
  /** Message bytes as they will be stored: CRLF line endings only, dot-stuffing already undone. */
  write(chunk: Buffer): void;
  /**
   * Makes the message durable and queues it. Resolves with the queue id only when body and
   * envelope are on stable storage; rejects when they could not be stored (the engine answers 451).
   */
  commit(envelope: Envelope, options?: { quarantine?: { reason: string; rule?: string } }): Promise<string>;
  /** What has been written, read back from storage (for end-of-data checks, before the commit). */
  read(): Promise<NodeJS.ReadableStream>;
  /** Drops what was written and stores `message` instead (an end-of-data check's rewrite); `message` may be streaming from read(). */
  replace(message: Buffer | NodeJS.ReadableStream): Promise<void>;
  /** Puts `bytes` in front of what was written (the header fields end-of-data checks add). */
  prepend(bytes: Buffer): Promise<void>;
  /** Drops whatever was written (the message was refused, or the session ended first). */
  abort(): void;
}

export interface MessageSink {
  open(): MessageWriter;
  /**
   * Whether a message of this size can be stored now (free space in the spool: Postfix's
   * queue_minfree). The engine answers MAIL with 452 4.3.1 when it cannot.
   */
  hasRoomFor(size: number): boolean;
}
