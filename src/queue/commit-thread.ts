// The spool's SQLite inserts run on a worker thread. better-sqlite3 is synchronous and a commit
// waits for the WAL's fsync: on the main thread that wait would stop every SMTP session, so the
// next group commit would only hold what arrived in one turn of the event loop (about one
// message). On a worker the sessions go on during the fsync, and everything that reaches its
// end of data meanwhile shares the next transaction.
import { Worker } from 'node:worker_threads';
import { INSERTS, PRAGMAS, type InsertRow } from './spool-db.ts';

/** null once the transaction is committed, else the error's message. */
type CommitReply = string | null;

export class CommitThread {
  private waiting?: (reply: CommitReply) => void;
  private exited?: string;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: CommitReply) => this.settle(reply));
    worker.on('error', (err) => this.settle(err.message));
    worker.on('exit', (code) => {
      this.exited = `the commit thread exited (${code})`;
      this.settle(this.exited);
    });
    // Only a commit in progress keeps the process alive.
    worker.unref();
  }

  /** Starts the worker; resolves once it has opened the database. */
  static async start(dbFile: string): Promise<CommitThread> {
    const thread = new CommitThread(new Worker(new URL('./commit-worker.js', import.meta.url), { workerData: { file: dbFile, pragmas: PRAGMAS, inserts: INSERTS } }));
    await thread.call(undefined);
    return thread;
  }

  /** Inserts the rows in one transaction; one batch at a time. */
  insert(rows: InsertRow[]): Promise<void> {
    return this.call(rows);
  }

  close(): void {
    void this.worker.terminate();
  }

  private call(rows: InsertRow[] | undefined): Promise<void> {
    if (this.exited) return Promise.reject(new Error(`spool commit: ${this.exited}`));
    if (this.waiting) return Promise.reject(new Error('a commit is already in progress'));
    this.worker.ref();
    return new Promise((resolve, reject) => {
      this.waiting = (reply) => (reply === null ? resolve() : reject(new Error(`spool commit: ${reply}`)));
      if (rows) this.worker.postMessage(rows, ownMemory(rows));
    });
  }

  private settle(reply: CommitReply): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    this.worker.unref();
    waiting?.(reply);
  }
}

/**
 * The bodies that own all of their memory (Buffer.concat gives a message of 4 KiB or more a
 * memory block of its own; smaller ones share Node's pool): moved to the worker rather than
 * copied. The spool does not read a body again once it is sent.
 */
function ownMemory(rows: InsertRow[]): ArrayBuffer[] {
  const moved: ArrayBuffer[] = [];
  for (const row of rows) {
    for (const value of row) {
      if (value instanceof Uint8Array && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength && value.buffer instanceof ArrayBuffer) moved.push(value.buffer);
    }
  }
  return moved;
}
