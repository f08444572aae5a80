// The SMTP listeners: one TCP server per configured address, with limits on connections in
// all and per client address (421 4.7.0 past either). A `submissions` listener speaks TLS from
// the first byte (RFC 8314): the session starts once the handshake is done.
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { SmtpCheck } from '../../policy/check.ts';
import type { ListenerRole, SmtpServerOptions } from './options.ts';
import { formatReply } from './replies.ts';
import { SmtpSession } from './session.ts';

export interface SmtpServer {
  readonly endpoints: Array<{ address: string; port: number; role: ListenerRole }>;
  /** New checks, relay networks, certificates and users (after a reload) apply to sessions that start from now on. */
  setPolicy(policy: Pick<SmtpServerOptions, 'checks' | 'isTrusted' | 'tls' | 'auth'>): void;
  /** Connections open now, and those refused since start for smtp.limits (for metrics). */
  connections(): { open: number; refused: number };
  /** Stops accepting; open sessions are closed with 421 after `graceMs`. */
  close(graceMs: number): Promise<void>;
}

export async function startSmtpServer(initial: SmtpServerOptions): Promise<SmtpServer> {
  let options = initial;
  const sockets = new Set<Socket>();
  const sessions = new Map<Socket, SmtpSession>();
  const perClient = new Map<string, number>();
  const servers: Server[] = [];
  const endpoints: SmtpServer['endpoints'] = [];
  let refused = 0;

  const accept = (socket: Socket, role: ListenerRole) => {
    const address = socket.remoteAddress ?? '';
    const fromClient = (perClient.get(address) ?? 0) + 1;
    // As Postfix exempts mynetworks from smtpd_client_connection_count_limit: the internal mail
    // host and other trusted relays may open as many sessions as they need.
    const overClientLimit = fromClient > options.limits.maxConnectionsPerClient && !options.isTrusted(address);
    if (sockets.size >= options.limits.maxConnections || overClientLimit) {
      const refusal = { code: 421, enhanced: '4.7.0', text: `${options.hostname} Error: too many connections, try again later` };
      // Logged like every other refusal: one line naming what refused (smtp.limits), so a flood shows in the same search.
      options.logger.warn({ check: 'connection-limit', client: address, connections: sockets.size, fromClient, reply: `${refusal.code} ${refusal.enhanced} ${refusal.text}` }, 'refused');
      socket.on('error', () => undefined);
      socket.end(formatReply(refusal));
      refused++;
      return;
    }
    sockets.add(socket);
    perClient.set(address, fromClient);
    socket.once('close', () => {
      sockets.delete(socket);
      sessions.delete(socket);
      const left = (perClient.get(address) ?? 1) - 1;
      if (left === 0) perClient.delete(address);
      else perClient.set(address, left);
    });
    const started = (session: SmtpSession) => {
      sessions.set(socket, session);
      void session.start();
    };
    if (role === 'submissions') return implicitTls(socket, options, started);
    started(new SmtpSession(socket, role, options));
  };

  try {
    for (const listener of options.listeners) {
      if (listener.role === 'submissions' && !options.tls) throw new Error('a submissions listener needs TLS certificates (smtp.tls.certificates)');
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
    setPolicy(policy) {
      options = { ...options, ...policy };
    },
    connections: () => ({ open: sockets.size, refused }),
    async close(graceMs) {
      const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      const deadline = setTimeout(() => {
        for (const socket of sockets) {
          // A session writes its 421 through TLS when the session is under TLS.
          sessions.get(socket)?.shutdown(formatReply({ code: 421, enhanced: '4.3.2', text: `${options.hostname} Service shutting down` }));
          setTimeout(() => socket.destroy(), sessions.has(socket) ? 2000 : 0).unref();
        }
      }, graceMs);
      await closed;
      clearTimeout(deadline);
    },
  };
}

/** Handshake first, bounded by the command timeout; a client that fails it is dropped without a word. */
function implicitTls(plain: Socket, options: SmtpServerOptions, started: (session: SmtpSession) => void): void {
  const tls = options.tls!;
  plain.setTimeout(options.limits.commandTimeoutMs, () => plain.destroy());
  const secure = new TLSSocket(plain, { isServer: true, secureContext: tls.defaultContext, SNICallback: tls.SNICallback });
  secure.on('error', () => plain.destroy());
  secure.once('secure', () => {
    plain.setTimeout(0);
    started(new SmtpSession(secure, 'submissions', options));
  });
}
