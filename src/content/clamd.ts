// A virus scanner that asks a running ClamAV daemon over its INSTREAM protocol: the message is
// sent in length-prefixed chunks, a zero-length chunk ends it, and clamd answers one
// NUL-terminated line ("stream: OK", "stream: <name> FOUND" or "... ERROR").
import net from 'node:net';
import type { ClamavConfig, ClamdAddress } from '../config/sections/content-clamav.ts';
import type { ScanResult, VirusScanner } from './types.ts';

export interface ClamdScannerOptions {
  address: ClamdAddress;
  /** Milliseconds one scan may take, from connecting to clamd's answer. */
  timeoutMs: number;
  /** Scans talking to clamd at once; the others wait their turn (clamd has MaxThreads of its own). */
  maxParallel: number;
}

/** Bytes per INSTREAM chunk; clamd reads each whole before the next. */
const CHUNK_SIZE = 64 * 1024;
/** Longest answer we wait for; clamd's lines are short, a peer sending more is not clamd. */
const MAX_REPLY = 4096;

export function describeClamdAddress(address: ClamdAddress): string {
  return 'path' in address ? address.path : address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** Reads clamd's answer to INSTREAM into a ScanResult. */
export function clamdReply(reply: string): ScanResult {
  const line = reply.replace(/\0+$/, '').trim();
  if (line === 'stream: OK') return { kind: 'clean' };
  const found = /^stream: (.+) FOUND$/.exec(line);
  if (found) return { kind: 'infected', signature: found[1]! };
  if (/INSTREAM size limit exceeded/i.test(line)) return { kind: 'error', message: 'clamd: message larger than its StreamMaxLength' };
  return { kind: 'error', message: `clamd: ${line === '' ? 'no answer' : line}` };
}

export class ClamdScanner implements VirusScanner {
  readonly #options: ClamdScannerOptions;
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(options: ClamdScannerOptions) {
    this.#options = options;
  }

  get address(): string {
    return describeClamdAddress(this.#options.address);
  }

  async scan(message: Buffer | NodeJS.ReadableStream): Promise<ScanResult> {
    // The wait for a slot counts against the timeout too: the SMTP client is waiting for its reply all along.
    const started = Date.now();
    if (!(await this.#slot())) return { kind: 'error', message: `clamd at ${this.address}: busy, no scan slot free within ${this.#options.timeoutMs} ms` };
    try {
      return await this.#instream(message, this.#options.timeoutMs - (Date.now() - started));
    } finally {
      this.#release();
    }
  }

  /** Resolves true with a slot taken, or false when none came free within the timeout. */
  #slot(): Promise<boolean> {
    if (this.#running < this.#options.maxParallel) {
      this.#running++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const take = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(take), 1);
        resolve(false);
      }, this.#options.timeoutMs);
      this.#waiting.push(take);
    });
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#running--;
  }

  async #instream(message: Buffer | NodeJS.ReadableStream, timeoutMs: number): Promise<ScanResult> {
    const reply = await this.#exchange(timeoutMs, async (socket, closed) => {
      socket.write('zINSTREAM\0');
      const source = Buffer.isBuffer(message) ? [message] : (message as AsyncIterable<Buffer | string>);
      for await (const piece of source) {
        const bytes = typeof piece === 'string' ? Buffer.from(piece) : piece;
        for (let at = 0; at < bytes.length; at += CHUNK_SIZE) {
          if (closed()) return; // clamd answered early (size limit) or went away: its answer says why
          const chunk = bytes.subarray(at, at + CHUNK_SIZE);
          const length = Buffer.alloc(4);
          length.writeUInt32BE(chunk.length);
          if (!socket.write(Buffer.concat([length, chunk]))) await drained(socket, closed);
        }
      }
      if (!closed()) socket.write(Buffer.alloc(4));
    });
    if (!reply.ok) return { kind: 'error', message: reply.text };
    return clamdReply(reply.text);
  }

  /**
   * Connects, lets `send` write the request, and collects the NUL-terminated answer. Every
   * failure (refused, reset, timeout, no answer) comes back as ok: false with words for a log.
   */
  #exchange(timeoutMs: number, send: (socket: net.Socket, closed: () => boolean) => Promise<void>): Promise<{ ok: boolean; text: string }> {
    const { address } = this.#options;
    const where = describeClamdAddress(address);
    return new Promise((resolve) => {
      const socket = 'path' in address ? net.connect({ path: address.path }) : net.connect({ host: address.host, port: address.port });
      let reply = Buffer.alloc(0);
      let done = false;
      let sending = false;
      const finish = (result: { ok: boolean; text: string }) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(result);
      };
      const timer = setTimeout(() => finish({ ok: false, text: `clamd at ${where}: no answer within ${this.#options.timeoutMs} ms` }), Math.max(1, timeoutMs));
      socket.on('data', (data: Buffer) => {
        reply = Buffer.concat([reply, data]);
        const end = reply.indexOf(0);
        if (end >= 0) finish({ ok: true, text: reply.subarray(0, end).toString('utf8') });
        else if (reply.length > MAX_REPLY) finish({ ok: false, text: `clamd at ${where}: answer longer than ${MAX_REPLY} bytes` });
      });
      socket.on('end', () => {
        // clamd answers "... ERROR" and closes without a NUL on some errors (e.g. the size limit)
        if (reply.length > 0) finish({ ok: true, text: reply.toString('utf8') });
        else finish({ ok: false, text: `clamd at ${where}: closed the connection without an answer` });
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (reply.length > 0) finish({ ok: true, text: reply.toString('utf8') });
        // clamd stops reading and closes once a stream passes its StreamMaxLength; the write
        // that fails then loses its answer with the socket
        else if (sending && (err.code === 'EPIPE' || err.code === 'ECONNRESET')) finish({ ok: false, text: `clamd at ${where}: closed the connection while the message was sent (larger than its StreamMaxLength?)` });
        else finish({ ok: false, text: `clamd at ${where}: ${err.code ?? err.message}` });
      });
      socket.on('close', () => finish({ ok: reply.length > 0, text: reply.length > 0 ? reply.toString('utf8') : `clamd at ${where}: connection closed` }));
      socket.once('connect', () => {
        sending = true;
        send(socket, () => done || socket.destroyed).catch((err: Error) => finish({ ok: false, text: `reading the message for clamd: ${err.message}` }));
      });
    });
  }
}

function drained(socket: net.Socket, closed: () => boolean): Promise<void> {
  if (closed()) return Promise.resolve();
  return new Promise((resolve) => {
    const go = () => {
      socket.off('drain', go);
      socket.off('close', go);
      resolve();
    };
    socket.on('drain', go);
    socket.on('close', go);
  });
}

/** The scanner content.clamav describes; undefined when it is not configured. */
export function clamdScannerOf(settings: ClamavConfig | undefined): ClamdScanner | undefined {
  return settings && new ClamdScanner({ address: settings.address, timeoutMs: settings.timeout, maxParallel: settings.maxParallel });
}
