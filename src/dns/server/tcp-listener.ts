// DNS over TCP on one address, RFC 7766: 2-byte length framing, any number of pipelined queries
// per connection up to a bound, an idle timeout, a bound on connections and on unsent answers per
// connection.

import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../log/logger.ts';
import type { Answer, QueryHandler } from './transport.ts';

export interface TcpListenerOptions {
  idleTimeoutMs: number;
  maxConnections: number;
  /** Queries one connection may send; after that it gets its answers and is closed (default: 1000). */
  maxQueriesPerConnection?: number;
}

/** Unsent answer bytes after which a connection stops reading queries until the client reads. */
const MAX_UNSENT_BYTES = 256 * 1024;
/** Like NSD's tcp-query-count, so one connection cannot hold a slot for ever; a resolver reconnects. */
export const DEFAULT_MAX_QUERIES_PER_CONNECTION = 1000;

export class TcpListener {
  private readonly connections = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static listen(address: string, port: number, handler: QueryHandler, options: TcpListenerOptions, logger: Logger): Promise<TcpListener> {
    const server = createServer({ noDelay: true });
    server.maxConnections = options.maxConnections;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port, exclusive: false }, () => {
        server.off('error', reject);
        server.on('error', (err) => logger.warn({ err: err.message, address }, 'DNS TCP listener error'));
        const listener = new TcpListener(server, (server.address() as { port: number }).port);
        server.on('connection', (socket) => listener.serve(socket, handler, options.idleTimeoutMs, options.maxQueriesPerConnection ?? DEFAULT_MAX_QUERIES_PER_CONNECTION));
        resolve(listener);
      });
    });
  }

  private serve(socket: Socket, handler: QueryHandler, idleTimeoutMs: number, maxQueries: number): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(idleTimeoutMs, () => socket.destroy());
    const client = socket.remoteAddress ?? '';
    const frames = new FrameReader();
    let queries = 0;
    let unanswered = 0;
    const write = (answer: Answer): void => {
      if (answer === undefined || socket.destroyed) return;
      // RFC 7766 §7: answers may go out in any order, each message of a transfer whole and in sequence.
      for (const response of Array.isArray(answer) ? answer : [answer]) {
        const framed = Buffer.allocUnsafe(response.length + 2);
        framed.writeUInt16BE(response.length, 0);
        response.copy(framed, 2);
        socket.write(framed);
      }
      if (socket.writableLength > MAX_UNSENT_BYTES && !socket.isPaused()) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    };
    const send = (answer: Answer): void => {
      write(answer);
      unanswered--;
      if (queries >= maxQueries && unanswered === 0 && !socket.destroyed) socket.end();
    };
    socket.on('data', (chunk: Buffer) => {
      for (let query = frames.push(chunk); query !== undefined && queries < maxQueries; query = frames.next()) {
        queries++;
        unanswered++;
        const answer = handler(query, 'tcp', client);
        if (answer instanceof Promise) void answer.then(send);
        else send(answer);
      }
    });
  }

  /** Stops accepting; open connections send what they owe, then close; after graceMs they are cut. */
  close(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.connections) socket.end();
    const cut = setTimeout(() => {
      for (const socket of this.connections) socket.destroy();
    }, graceMs);
    return closed.finally(() => clearTimeout(cut));
  }
}

/** Splits a TCP byte stream into DNS messages. Segments are only joined once a whole message
 *  is there, so a client trickling bytes cannot make us copy the same data over and over. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Adds received bytes; returns the first complete message, if any. */
  push(chunk: Buffer): Buffer | undefined {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    return this.next();
  }

  /** The next complete message, if one is buffered. */
  next(): Buffer | undefined {
    if (this.buffered < 2) return undefined;
    if (this.chunks[0].length < 2) this.join();
    const needed = 2 + this.chunks[0].readUInt16BE(0);
    if (this.buffered < needed) return undefined;
    if (this.chunks[0].length < needed) this.join();
    const head = this.chunks[0];
    const message = head.subarray(2, needed);
    if (head.length === needed) this.chunks.shift();
    else this.chunks[0] = head.subarray(needed);
    this.buffered -= needed;
    return message;
  }

  private join(): void {
    this.chunks = [Buffer.concat(this.chunks)];
  }
}
