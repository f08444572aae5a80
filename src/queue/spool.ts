// The durable spool: a message is acknowledged only once it is on stable storage.
//
// Commit order (Postfix's "write, fsync, mark ready, then acknowledge"):
//   1. a body larger than INLINE_MAX is written to incoming/, fdatasync'd, and renamed into
//      messages/<id>; the messages/ folder is fsync'd, so the rename itself survives a crash;
//   2. envelope and recipients, and a smaller body itself, are inserted into SQLite (WAL,
//      synchronous=FULL).
// Only then does commit() resolve and the SMTP engine say 250. A crash before step 2 leaves a
// body file without a row, which recovery deletes (the client got no 250 and will retry); a row
// without a body cannot happen. The folder fsync and the SQLite transaction are shared by every
// commit waiting at that moment (group commit): many sessions, one WAL fsync. The transaction
// runs on a worker thread (commit-thread.ts), so sessions go on while it waits for the disk and
// the next group gathers meanwhile. Most mail is small, and then a commit costs no file
// operation of its own at all.
import { createReadStream, mkdirSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Logger } from '../log/logger.ts';
import { fsyncPath } from '../system/fsync.ts';
import { prefixedStream } from '../system/prefixed-stream.ts';
import { BodyFile } from './body-file.ts';
import { CommitThread } from './commit-thread.ts';
import type { Envelope } from './envelope.ts';
import { newQueueId } from './queue-id.ts';
import { insertRows, SpoolDb, type QuarantineMark, type RecipientState, type StoredMessage } from './spool-db.ts';

export interface SpoolOptions {
  /** The spool's folder, e.g. <dataDir>/queue. */
  dir: string;
  /** Free bytes the file system must keep beyond a message's size (Postfix's queue_minfree). */
  minFreeBytes: number;
  logger: Logger;
  /** During start-up recovery, a progress line at most this often (default 2 s). */
  recoveryProgressMs?: number;
}

/** A message being received: small bodies are kept in memory, larger ones go to a temporary file as they arrive. */
export interface SpoolWriter {
  /** The queue id the message will have once committed. */
  readonly id: string;
  write(chunk: Buffer): void;
  /** Resolves with the queue id once the message is durable (see the commit order above). */
  commit(envelope: Envelope, options?: CommitOptions): Promise<string>;
  /** The bytes written so far (end-of-data checks run before the commit). */
  read(): Promise<Readable>;
  /** Drops what was written and writes `message` instead (a content filter's rewrite); `message` may be a read() of the old bytes. */
  replace(message: Buffer | NodeJS.ReadableStream): Promise<void>;
  /** Puts `bytes` in front of what was written (header fields added by end-of-data checks). */
  prepend(bytes: Buffer): Promise<void>;
  abort(): void;
}

export interface CommitOptions {
  /** Stored in quarantine: never delivered until released. */
  quarantine?: { reason: string; rule?: string };
}

interface PendingCommit {
  id: string;
  envelope: Envelope;
  size: number;
  /** The body itself when it goes into SQLite; undefined when it is a file in messages/. */
  body?: Buffer;
  quarantine?: QuarantineMark;
  done: (error?: Error) => void;
}

const FREE_SPACE_CACHE_MS = 1000;
const RECOVERY_PROGRESS_MS = 2000;
/** Bodies up to this size are stored in SQLite with their envelope, larger ones as files. */
export const INLINE_MAX = 128 * 1024;

export class Spool {
  private readonly incoming: string;
  private readonly messages: string;
  private batch: PendingCommit[] = [];
  private flushing = false;
  private freeBytes = { value: 0, at: 0 };
  private tempCounter = 0;
  private readonly committedListeners = new Set<(id: string, envelope: Envelope) => void>();

  private constructor(
    private readonly options: SpoolOptions,
    private readonly db: SpoolDb,
    private readonly commits: CommitThread,
  ) {
    this.incoming = join(options.dir, 'incoming');
    this.messages = join(options.dir, 'messages');
  }

  static async open(options: SpoolOptions): Promise<Spool> {
    for (const sub of ['', 'incoming', 'messages']) mkdirSync(join(options.dir, sub), { recursive: true, mode: 0o700 });
    const file = join(options.dir, 'queue.db');
    const db = new SpoolDb(file);
    const spool = new Spool(options, db, await CommitThread.start(file).catch((err: unknown) => {
      db.close();
      throw err;
    }));
    await spool.recover();
    return spool;
  }

  /** After a crash: partial bodies go; bodies never committed go; finished messages go. */
  private async recover(): Promise<void> {
    const partial = readdirSync(this.incoming);
    for (const name of partial) rmSync(join(this.incoming, name), { force: true });
    const known = this.db.ids();
    let orphans = 0;
    const files = new Set(readdirSync(this.messages));
    for (const name of files) {
      if (!known.has(name)) {
        rmSync(join(this.messages, name), { force: true });
        orphans++;
      }
    }
    // A row whose body file is gone was finished: its removal (row, then file) lost the row's
    // delete to a power cut, which the state connection's NORMAL sync allows. It is not mail to deliver.
    const inline = this.db.inlineBodies();
    for (const id of known) {
      if (inline.has(id) || files.has(id)) continue;
      this.db.delete(id);
      known.delete(id);
      this.options.logger.warn({ queueId: id }, 'spool: a finished message came back after a crash; removed again');
    }
    let finished = 0;
    let checked = 0;
    const every = this.options.recoveryProgressMs ?? RECOVERY_PROGRESS_MS;
    let reportAt = Date.now() + every;
    for (const id of known) {
      if (!this.db.hasPending(id)) {
        this.remove(id);
        finished++;
      }
      // A queue of millions takes a while: the log says it is moving, not hung.
      if (++checked % 1000 === 0 && Date.now() >= reportAt) {
        this.options.logger.info({ checked, of: known.size, percent: Math.floor((100 * checked) / known.size) }, 'spool recovery in progress');
        reportAt = Date.now() + every;
      }
    }
    this.options.logger.info({ queued: known.size - finished, partialRemoved: partial.length, uncommittedRemoved: orphans }, 'spool recovered');
  }

  hasRoomFor(size: number): boolean {
    const now = Date.now();
    if (now - this.freeBytes.at > FREE_SPACE_CACHE_MS) {
      const fs = statfsSync(this.options.dir);
      this.freeBytes = { value: fs.bavail * fs.bsize, at: now };
    }
    return this.freeBytes.value >= this.options.minFreeBytes + size;
  }

  open(): SpoolWriter {
    // The id is known from the start, so the Received header can name it (as Postfix's does).
    const id = newQueueId();
    let size = 0;
    let inMemory: Buffer[] = [];
    let file: BodyFile | undefined;
    const write = (chunk: Buffer): void => {
      size += chunk.length;
      if (file) return file.append(chunk);
      inMemory.push(chunk);
      if (size > INLINE_MAX) {
        file = new BodyFile(join(this.incoming, `${process.pid}.${++this.tempCounter}`));
        for (const part of inMemory) file.append(part);
        inMemory = [];
      }
    };
    const replace = async (message: Buffer | NodeJS.ReadableStream): Promise<void> => {
      // The old bytes stay until the new ones are in: `message` may be streaming from them.
      const old = file;
      size = 0;
      inMemory = [];
      file = undefined;
      if (Buffer.isBuffer(message)) write(message);
      else for await (const chunk of message) write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
      old?.discard();
    };
    return {
      id,
      write,
      read: async () => {
        if (file) return file.read();
        // Joined once: every end-of-data check reads the message, and so does the commit.
        inMemory = [Buffer.concat(inMemory, size)];
        return bufferStream(inMemory[0]!);
      },
      replace,
      prepend: async (bytes) => {
        if (!file) {
          // A small body may go a little over INLINE_MAX here: it is a storage choice, not a limit.
          inMemory.unshift(bytes);
          size += bytes.length;
          return;
        }
        await replace(prefixedStream(bytes, await file.read()));
      },
      abort: () => {
        inMemory = [];
        file?.discard();
      },
      commit: async (envelope, options = {}) => {
        let body: Buffer | undefined;
        if (file) await file.commitTo(join(this.messages, id));
        else body = Buffer.concat(inMemory, size);
        inMemory = [];
        const quarantine = options.quarantine && { ...options.quarantine, at: Date.now() };
        await new Promise<void>((resolve, reject) => {
          this.batch.push({ id, envelope, size, body, quarantine, done: (err) => (err ? reject(err) : resolve()) });
          this.scheduleFlush();
        });
        for (const listener of this.committedListeners) listener(id, envelope);
        return id;
      },
    };
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => void this.flush());
  }

  /** At most one folder fsync and one SQLite transaction for every commit waiting now. */
  private async flush(): Promise<void> {
    while (this.batch.length > 0) {
      const batch = this.batch;
      this.batch = [];
      try {
        if (batch.some((c) => c.body === undefined)) await fsyncPath(this.messages);
        await this.commits.insert(insertRows(batch));
        for (const c of batch) c.done();
      } catch (err) {
        this.options.logger.error({ err: (err as Error).message, messages: batch.length }, 'spool commit failed');
        for (const c of batch) {
          if (c.body === undefined) rmSync(join(this.messages, c.id), { force: true });
          c.done(err as Error);
        }
      }
    }
    this.flushing = false;
  }

  /** Called with each queue id once it is committed (wakes the delivery side). */
  onCommitted(listener: (id: string, envelope: Envelope) => void): () => void {
    this.committedListeners.add(listener);
    return () => this.committedListeners.delete(listener);
  }

  /** Messages with a recipient due at `now`, oldest first; pass the last id seen to page on. */
  due(now = Date.now(), limit = 100, afterId = ''): string[] {
    return this.db.due(now, limit, afterId);
  }

  message(id: string): StoredMessage | undefined {
    return this.db.message(id);
  }

  readBody(id: string): Readable {
    const inline = this.db.body(id);
    return inline ? bufferStream(inline) : createReadStream(join(this.messages, id));
  }

  setRecipientState(id: string, index: number, state: RecipientState, options: { nextAttempt?: number; error?: string } = {}): void {
    this.db.setRecipientState(id, index, state, options.nextAttempt ?? Date.now(), options.error);
  }

  markDelayWarned(id: string, index: number): void {
    this.db.markDelayWarned(id, index);
  }

  /** Holds a message (never delivered while held) or releases it; false when there is no such message. */
  setHeld(id: string, held: boolean): boolean {
    return this.db.setHeld(id, held);
  }

  /** Makes one message's pending recipients (or every message's) due now: `flush` and `retry`. */
  makeDue(now: number, id?: string): number {
    return this.db.makeDue(now, id);
  }

  /** Every message id, oldest first (ids sort by time), a page at a time. */
  page(limit: number, afterId = ''): string[] {
    return this.db.page(limit, afterId);
  }

  /** The messages in quarantine, oldest first, a page at a time. */
  quarantinePage(limit: number, afterId = ''): string[] {
    return this.db.quarantinePage(limit, afterId);
  }

  /** Takes a message out of quarantine (it is then due as its recipients say); false when it was not in quarantine. */
  clearQuarantine(id: string): boolean {
    return this.db.clearQuarantine(id);
  }

  /** Recipients still to deliver by state, held and quarantined messages (metrics). */
  counts(): ReturnType<SpoolDb['counts']> {
    return this.db.counts();
  }

  /** Recipients due for an attempt at `now`: a flush's progress. */
  dueCount(now: number): number {
    return this.db.dueCount(now);
  }

  /** Removes a message whatever its state (the administrator's delete); false when there was none. */
  delete(id: string): boolean {
    if (!this.db.message(id)) return false;
    this.remove(id);
    return true;
  }

  /** Removes the message when no recipient is left to deliver; true when it was removed. */
  removeIfDone(id: string): boolean {
    if (this.db.hasPending(id)) return false;
    this.remove(id);
    return true;
  }

  private remove(id: string): void {
    // Row first: a crash in between leaves a body file without a row, which recovery removes.
    this.db.delete(id);
    rmSync(join(this.messages, id), { force: true });
  }

  close(): void {
    this.commits.close();
    this.db.close();
  }
}

function bufferStream(body: Buffer): Readable {
  return Readable.from([body], { objectMode: false });
}
