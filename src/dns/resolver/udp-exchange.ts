// One question to one server over UDP, on a socket of its own: the OS picks a fresh source
// port (bind to port 0) and the socket is connected, so the kernel already drops datagrams
// from any other address or port; what still arrives is checked before it is believed.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { ipv4ToBytes, ipv6ToBytes } from '../wire/addresses.ts';
import { decodeHeader, decodeMessage } from '../wire/decode.ts';
import { encodeMessage } from '../wire/encode.ts';
import type { Message } from '../wire/model.ts';
import { ExchangeError } from './exchange-error.ts';
import type { ServerAddress } from './resolv-conf.ts';
import { isReplyTo } from './reply-match.ts';

/** The reply had TC set: ask again over TCP (it may not even decode, being cut short). */
export const TRUNCATED = 'truncated';

export function udpExchange(
  server: ServerAddress,
  query: Message,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Message | typeof TRUNCATED> {
  const wire = encodeMessage(query);
  return new Promise((resolve, reject) => {
    const socket: Socket = createSocket(isIPv6(server.address.replace(/%.*$/, '')) ? 'udp6' : 'udp4');
    const finish = (outcome: () => void): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('message');
      // A failing socket may emit more errors while closing; they must not go unhandled.
      socket.on('error', () => {});
      socket.close();
      outcome();
    };
    const onAbort = (): void => finish(() => reject(new ExchangeError('ABORTED', 'resolver closed')));
    const timer = setTimeout(
      () => finish(() => reject(new ExchangeError('TIMEOUT', `no reply from ${server.address}:${server.port} in ${timeoutMs} ms`))),
      timeoutMs,
    );
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort);

    socket.on('error', (err) => finish(() => reject(new ExchangeError('NETWORK', `${server.address}:${server.port}: ${err.message}`))));
    socket.on('message', (datagram: Buffer, from: RemoteInfo) => {
      if (from.port !== server.port || !sameAddress(from.address, server.address)) return;
      const reply = readReply(datagram, query);
      if (reply !== undefined) finish(() => resolve(reply));
    });
    // exclusive: in a node:cluster worker (the recursor) a shared bind would go through the
    // primary, and port 0 could hand several workers the same socket.
    socket.bind({ port: 0, exclusive: true }, () => {
      socket.connect(server.port, server.address, () => {
        socket.send(wire);
      });
    });
  });
}

/** The reply if it answers `query`, TRUNCATED if it is a truncated one, else undefined. */
function readReply(datagram: Buffer, query: Message): Message | typeof TRUNCATED | undefined {
  try {
    const reply = decodeMessage(datagram);
    if (!isReplyTo(query, reply)) return undefined;
    return reply.flags.tc ? TRUNCATED : reply;
  } catch {
    // Undecodable: only a header that matches ours and says "truncated" is of use.
    try {
      const header = decodeHeader(datagram);
      return header.id === query.id && header.flags.qr && header.flags.tc ? TRUNCATED : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Whether two IP addresses in text are the same address (IPv6 in any of its written forms). */
export function sameAddress(a: string, b: string): boolean {
  const octets = (text: string): Buffer => {
    const out = Buffer.alloc(16);
    const plain = text.replace(/%.*$/, '');
    if (!ipv6ToBytes(plain, out, 0)) ipv4ToBytes(plain, out, 12);
    return out;
  };
  return octets(a).equals(octets(b));
}
