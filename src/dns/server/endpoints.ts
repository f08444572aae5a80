// Binds UDP and TCP on every listen address, on one port number per address: TCP first (port 0
// lets the OS choose), then UDP on the port TCP got, choosing again if that UDP port is taken.

import type { Socket as UdpSocket } from 'node:dgram';
import type { Logger } from '../../log/logger.ts';
import { TcpListener, type TcpListenerOptions } from './tcp-listener.ts';
import type { QueryHandler } from './transport.ts';
import { listenUdp } from './udp-listener.ts';

export interface Endpoint {
  address: string;
  port: number;
}

export interface OpenEndpoints {
  readonly endpoints: Endpoint[];
  /** Stops listening; TCP connections get graceMs to send what they owe. */
  close(graceMs: number): Promise<void>;
}

/** Attempts at finding a port number free for both UDP and TCP when the OS chooses. */
const PORT_ATTEMPTS = 20;

export async function openEndpoints(listen: readonly Endpoint[], handler: QueryHandler, tcp: TcpListenerOptions, logger: Logger): Promise<OpenEndpoints> {
  const tcpListeners: TcpListener[] = [];
  const udpSockets: UdpSocket[] = [];
  const endpoints: Endpoint[] = [];
  const close = async (graceMs: number): Promise<void> => {
    for (const socket of udpSockets) socket.close();
    await Promise.all(tcpListeners.map((l) => l.close(graceMs)));
  };
  try {
    for (const { address, port } of listen) {
      const bound = await bindPair(address, port, handler, tcp, logger);
      tcpListeners.push(bound.tcp);
      udpSockets.push(bound.udp);
      endpoints.push({ address, port: bound.tcp.port });
    }
  } catch (err) {
    await close(0);
    throw err;
  }
  return { endpoints, close };
}

async function bindPair(address: string, port: number, handler: QueryHandler, tcpOptions: TcpListenerOptions, logger: Logger): Promise<{ tcp: TcpListener; udp: UdpSocket }> {
  for (let attempt = 1; ; attempt++) {
    let tcp: TcpListener;
    try {
      tcp = await TcpListener.listen(address, port, handler, tcpOptions, logger);
    } catch (err) {
      throw new Error(`DNS: cannot listen on TCP ${address}:${port}: ${describe(err)}`);
    }
    try {
      return { tcp, udp: await listenUdp(address, tcp.port, handler, logger) };
    } catch (err) {
      await tcp.close(0);
      const taken = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (port === 0 && taken && attempt < PORT_ATTEMPTS) continue;
      throw new Error(`DNS: cannot listen on UDP ${address}:${tcp.port}: ${describe(err)}`);
    }
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message;
}
