// The SMTP listeners: one TCP server per configured address, with limits on connections in
// all and per client address (421 4.7.0 past either).
import { createServer, type Server, type Socket } from 'node:net';
import type { SmtpCheck } from '../../policy/check.ts';
import type { ListenerRole, SmtpServerOptions } from './options.ts';
import { formatReply } from './replies.ts';
import { SmtpSession } from './session.ts';

export interface SmtpServer {
  readonly endpoints: Array<{ address: string; port: number; role: ListenerRole }>;
  /** New checks and relay networks (after a reload) apply to sessions that start from now on. */
  setPolicy(checks: SmtpCheck[], isTrusted: (address: string) => boolean): void;
  /** Stops accepting; open sessions are closed with 421 after `graceMs`. */
  close(graceMs: number): Promise<void>;
}

export async function startSmtpServer(initial: SmtpServerOptions): Promise<SmtpServer> {
  let options = initial;
  const sockets = new Set<Socket>();
  const perClient = new Map<string, number>();
  const servers: Server[] = [];
  const endpoints: SmtpServer['endpoints'] = [];

  const accept = (socket: Socket, role: ListenerRole) => {
    const address = socket.remoteAddress ?? '';
    const fromClient = (perClient.get(address) ?? 0) + 1;
    // As Postfix exempts mynetworks from smtpd_client_connection_count_limit: the internal mail
    // host and other trusted relays may open as many sessions as they need.
    const overClientLimit = fromClient > options.limits.maxConnectionsPerClient && !options.isTrusted(address);
    if (sockets.size >= options.limits.maxConnections || overClientLimit) {
      options.logger.warn({ client: address, connections: sockets.size, fromClient }, 'connection refused: too many connections');
      socket.on('error', () => undefined);
      socket.end(formatReply({ code: 421, enhanced: '4.7.0', text: `${options.hostname} Error: too many connections, try again later` }));
      return;
    }
    sockets.add(socket);
    perClient.set(address, fromClient);
    socket.once('close', () => {
      sockets.delete(socket);
      const left = (perClient.get(address) ?? 1) - 1;
      if (left === 0) perClient.delete(address);
      else perClient.set(address, left);
    });
    void new SmtpSession(socket, role, options).start();
  };

  try {
    for (const listener of options.listeners) {
      const server = createServer((socket) => accept(socket, listener.role));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: listener.address, port: listener.port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      servers.push(server);
      endpoints.push({ address: listener.address, port: (server.address() as { port: number }).port, role: listener.role });
    }
  } catch (err) {
    for (const server of servers) server.close();
    throw new Error(`SMTP: cannot listen on ${options.listeners[servers.length]!.address}:${options.listeners[servers.length]!.port}: ${(err as Error).message}`);
  }
  options.logger.info({ endpoints }, 'SMTP listening');

  return {
    endpoints,
    setPolicy(checks, isTrusted) {
      options = { ...options, checks, isTrusted };
    },
    async close(graceMs) {
      const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      const deadline = setTimeout(() => {
        for (const socket of sockets) {
          socket.end(formatReply({ code: 421, enhanced: '4.3.2', text: `${options.hostname} Service shutting down` }));
          setTimeout(() => socket.destroy(), 2000).unref();
        }
      }, graceMs);
      await closed;
      clearTimeout(deadline);
    },
  };
}
