// One question to one server over TCP (RFC 7766), used when the UDP reply was truncated:
// a connection of its own, the query and the reply each behind a two-octet length.

import { connect } from 'node:net';
import { decodeMessage } from '../wire/decode.ts';
import { encodeMessage } from '../wire/encode.ts';
import type { Message } from '../wire/model.ts';
import { ExchangeError, type ExchangeFailure } from './exchange-error.ts';
import type { ServerAddress } from './resolv-conf.ts';
import { isReplyTo } from './reply-match.ts';

export function tcpExchange(server: ServerAddress, query: Message, timeoutMs: number, signal: AbortSignal): Promise<Message> {
  const wire = encodeMessage(query);
  const framed = Buffer.alloc(2 + wire.length);
  framed.writeUInt16BE(wire.length, 0);
  wire.copy(framed, 2);
  const peer = `${server.address}:${server.port}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.address, port: server.port });
    const finish = (outcome: () => void): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('data');
      socket.removeAllListeners('close');
      socket.on('error', () => {});
      socket.destroy();
      outcome();
    };
    const fail = (failure: ExchangeFailure, message: string): void =>
      finish(() => reject(new ExchangeError(failure, message)));
    const onAbort = (): void => fail('ABORTED', 'resolver closed');
    const timer = setTimeout(() => fail('TIMEOUT', `no TCP reply from ${peer} in ${timeoutMs} ms`), timeoutMs);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort);

    let received: Buffer = Buffer.alloc(0);
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(framed));
    socket.on('error', (err) => fail('NETWORK', `${peer} over TCP: ${err.message}`));
    socket.on('close', () => fail('BADRESPONSE', `${peer} closed the TCP connection before a whole reply`));
    socket.on('data', (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      if (received.length < 2) return;
      const length = received.readUInt16BE(0);
      if (received.length < 2 + length) return;
      let reply: Message;
      try {
        reply = decodeMessage(received.subarray(2, 2 + length));
      } catch (err) {
        return fail('BADRESPONSE', `${peer} sent an undecodable TCP reply: ${(err as Error).message}`);
      }
      // On a connection of our own a mismatched reply is not a spoof to wait out but a broken server.
      if (!isReplyTo(query, reply)) return fail('BADRESPONSE', `${peer} sent a TCP reply that does not match the query`);
      finish(() => resolve(reply));
    });
  });
}
