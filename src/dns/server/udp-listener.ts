// DNS over UDP on one address. Inside a node:cluster worker, the bind is shared with the other
// workers through the primary (Node 20's dgram has no reusePort), so every worker reads from
// the same socket and the kernel spreads the datagrams.

import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import type { Logger } from '../../log/logger.ts';
import type { Answer, QueryHandler } from './transport.ts';

/** Socket receive buffer asked for, so that bursts queue in the kernel instead of being lost. */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

export function listenUdp(address: string, port: number, handler: QueryHandler, logger: Logger): Promise<Socket> {
  const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', lookup: addressLookup });
  return new Promise((resolve, reject) => {
    const failBind = (err: Error): void => {
      socket.close();
      reject(err);
    };
    socket.once('error', failBind);
    socket.bind({ address, port, exclusive: false }, () => {
      socket.off('error', failBind);
      socket.on('error', (err) => logger.warn({ err: err.message, address, port }, 'DNS UDP socket error'));
      try {
        socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
      } catch {
        // the kernel's rmem_max caps it; the default buffer still works
      }
      socket.on('message', (query, peer) => {
        const send = (answer: Answer): void => {
          // Over UDP one query gets one message at most (several are for TCP only).
          const response = Array.isArray(answer) ? answer[0] : answer;
          if (response !== undefined) socket.send(response, peer.port, peer.address);
        };
        const answer = handler(query, 'udp', peer.address);
        if (answer instanceof Promise) void answer.then(send);
        else send(answer);
      });
      resolve(socket);
    });
  });
}

/** dgram resolves every destination before sending; ours are the clients' IP addresses, so
 *  answering them needs no dns.lookup and no extra tick per datagram. */
function addressLookup(host: string, family: unknown, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const version = isIP(host);
  if (version !== 0) callback(null, host, version);
  else lookup(host, { family: family === 6 ? 6 : 4 }, callback);
}
