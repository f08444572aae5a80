// A message body too large to keep in memory: written to a temporary file as it arrives, then
// made durable (fdatasync) and renamed to its final name at the commit.
import { createReadStream, rmSync, type ReadStream } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';

const WRITE_BLOCK = 64 * 1024;

export class BodyFile {
  private handle?: Promise<FileHandle>;
  private writes: Promise<unknown> = Promise.resolve();
  private failed?: Error;
  // The SMTP engine hands over a line at a time: collected here and written in large blocks,
  // one write call per WRITE_BLOCK bytes instead of one per line.
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly path: string) {}

  append(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= WRITE_BLOCK) void this.drain();
  }

  /** The bytes appended so far, read back once they are in the file. */
  async read(): Promise<ReadStream> {
    await this.drain();
    return createReadStream(this.path);
  }

  /** fdatasync, then rename to `target`; the caller fsyncs target's folder. */
  async commitTo(target: string): Promise<void> {
    await this.drain();
    const fh = await this.file();
    try {
      if (this.failed) throw this.failed;
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(this.path, target);
  }

  discard(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.writes = this.writes.then(async () => {
      if (this.handle) await (await this.handle).close().catch(() => undefined);
      rmSync(this.path, { force: true });
    });
  }

  private file(): Promise<FileHandle> {
    return (this.handle ??= open(this.path, 'wx', 0o600));
  }

  private drain(): Promise<unknown> {
    if (this.pendingBytes > 0) {
      const block = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      this.writes = this.writes
        .then(async () => {
          if (!this.failed) await (await this.file()).write(block);
        })
        .catch((err: Error) => (this.failed ??= err));
    }
    return this.writes;
  }
}
