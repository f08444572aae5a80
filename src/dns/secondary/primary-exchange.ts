// Talking to a primary server: one message out, its replies in, over UDP (one datagram) or over
// a TCP connection of its own (as many messages as a zone transfer takes). Messages are signed
// and replies checked by the exchange's MessageAuth (TSIG when a key is configured).

import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import { FrameReader } from '../server/tcp-listener.ts';

export interface PrimaryAddress {
  address: string;
  port: number;
}

/** Signs what we send and checks what comes back, in order, on one exchange. */
export interface MessageAuth {
  sign(message: Buffer): Buffer;
  /** Throws when the reply (the next one of this exchange) is not authentic. */
  verify(reply: Buffer): void;
}

/** For a primary without a key: nothing is signed and nothing is checked. */
export const NO_AUTH: MessageAuth = { sign: (message) => message, verify: () => undefined };

/** The primary did not answer, could not be reached, or broke off. */
export class ExchangeFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExchangeFailed';
  }
}

const describe = (primary: PrimaryAddress): string => `${primary.address}:${primary.port}`;

/** Sends `message` in one datagram and resolves with the first reply that `accept` takes
 *  (datagrams that are not replies to us are skipped). */
export function udpExchange(primary: PrimaryAddress, message: Buffer, accept: (reply: Buffer) => boolean, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(primary.address) ? 'udp6' : 'udp4');
    const finish = (outcome: () => void): void => {
      clearTimeout(timer);
      socket.removeAllListeners('message');
      socket.on('error', () => undefined);
      socket.close();
      outcome();
    };
    const timer = setTimeout(() => finish(() => reject(new ExchangeFailed(`no reply from ${describe(primary)} in ${timeoutMs} ms`))), timeoutMs);
    socket.on('error', (err) => finish(() => reject(new ExchangeFailed(`${describe(primary)}: ${err.message}`))));
    // A connected socket: the kernel drops datagrams from any other address and port.
    socket.connect(primary.port, primary.address, () => socket.send(message));
    socket.on('message', (reply) => {
      if (accept(reply)) finish(() => resolve(reply));
    });
  });
}

/** Sends `message` on a new TCP connection and hands each reply to `onReply` until it returns
 *  true (done). `idleTimeoutMs` bounds the wait for each reply. */
export function tcpExchange(primary: PrimaryAddress, message: Buffer, onReply: (reply: Buffer) => boolean, idleTimeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: primary.address, port: primary.port, noDelay: true });
    const frames = new FrameReader();
    let timer = setTimeout(() => fail(`no reply from ${describe(primary)} over TCP in ${idleTimeoutMs} ms`), idleTimeoutMs);
    const finish = (outcome: () => void): void => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.removeAllListeners('close');
      socket.on('error', () => undefined);
      socket.destroy();
      outcome();
    };
    const fail = (reason: string | Error): void => finish(() => reject(typeof reason === 'string' ? new ExchangeFailed(reason) : reason));
    socket.on('connect', () => {
      const framed = Buffer.allocUnsafe(2 + message.length);
      framed.writeUInt16BE(message.length, 0);
      message.copy(framed, 2);
      socket.write(framed);
    });
    socket.on('error', (err) => fail(`${describe(primary)} over TCP: ${err.message}`));
    socket.on('close', () => fail(`${describe(primary)} closed the connection before the last reply`));
    socket.on('data', (chunk: Buffer) => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(`${describe(primary)} stopped sending for ${idleTimeoutMs} ms`), idleTimeoutMs);
      try {
        for (let reply = frames.push(chunk); reply !== undefined; reply = frames.next()) {
          if (onReply(reply)) return finish(resolve);
        }
      } catch (err) {
        fail(err as Error);
      }
    });
  });
}
