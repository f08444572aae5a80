// Opening a connection to a peer: TCP (or a unix socket for LMTP), the greeting, EHLO with a
// fall-back to HELO (LHLO for LMTP), and STARTTLS (RFC 3207) as the destination's policy wants:
// opportunistic (used when offered, the certificate not checked; when the handshake fails, a new
// connection goes on in plaintext) or required (no plaintext; the peer judged by the policy).
import { connect as netConnect, type Socket } from 'node:net';
import { ClientConnection } from './connection.ts';
import { NO_EXTENSIONS, parseExtensions } from './ehlo.ts';
import { PeerIo, TlsHandshakeError } from './peer-io.ts';
import { judgePeer, TlsPolicyError } from './peer-tls.ts';
import { peerReply } from './reply-parser.ts';
import type { Timeouts } from './transaction.ts';
import type { ConnectOptions, PeerExtensions, PeerReply, SmtpConnection } from './types.ts';

/** Postfix's defaults: smtp_connect_timeout, smtp_helo_timeout, smtp_mail_timeout, smtp_data_done_timeout. */
const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 30_000, greetingMs: 300_000, commandMs: 300_000, dataMs: 600_000 };

/** The peer refused us with a 4xx or 5xx reply (to the greeting, EHLO/HELO/LHLO). */
export class PeerRefusedError extends Error {
  constructor(
    message: string,
    readonly reply: PeerReply,
  ) {
    super(message);
  }
}

const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ECONNRESET: 'Connection reset by peer',
  ENOENT: 'No such file or directory',
  EADDRNOTAVAIL: 'Cannot assign requested address',
};

function openSocket(o: ConnectOptions, timeoutMs: number): Promise<Socket> {
  const where = o.address.startsWith('/') ? `${o.host}[${o.address}]` : `${o.host}[${o.address}]:${o.port}`;
  return new Promise((resolve, reject) => {
    const socket = o.address.startsWith('/') ? netConnect({ path: o.address }) : netConnect({ host: o.address, port: o.port, localAddress: o.localAddress });
    const fail = (text: string) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`connect to ${where}: ${text}`));
    };
    const timer = setTimeout(() => fail('Connection timed out'), timeoutMs);
    socket.once('error', (err: NodeJS.ErrnoException) => fail(SOCKET_ERRORS[err.code ?? ''] ?? err.message));
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      // Commands are written whole; Nagle's delay would only hold back the small ones.
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

export async function connectSmtp(options: ConnectOptions): Promise<SmtpConnection> {
  const t = options.timeouts ?? {};
  const timeouts: Timeouts = {
    connectMs: t.connectMs ?? DEFAULT_TIMEOUTS.connectMs,
    greetingMs: t.greetingMs ?? DEFAULT_TIMEOUTS.greetingMs,
    commandMs: t.commandMs ?? DEFAULT_TIMEOUTS.commandMs,
    dataMs: t.dataMs ?? DEFAULT_TIMEOUTS.dataMs,
  };
  try {
    return await attempt(options, timeouts, options.tls !== 'none');
  } catch (err) {
    if (!(err instanceof TlsHandshakeError)) throw err;
    const policy = options.tls;
    if (typeof policy === 'object' && policy.required) throw new TlsPolicyError(`TLS is required (${policy.name}) but the ${err.message}`, policy.name);
    return attempt(options, timeouts, false);
  }
}

async function attempt(o: ConnectOptions, timeouts: Timeouts, tryTls: boolean): Promise<SmtpConnection> {
  const io = new PeerIo(await openSocket(o, timeouts.connectMs), `${o.host}[${o.address}]`);
  try {
    const refused = (r: PeerReply) => new PeerRefusedError(`host ${io.name} refused to talk to me: ${r.code} ${r.enhanced ? `${r.enhanced} ` : ''}${r.text.replace(/\n/g, ' ')}`, r);
    const read = async (where: string, inReplyTo: string) => peerReply(await io.readReply(timeouts.greetingMs, where), inReplyTo);
    const command = async (line: string, where: string, inReplyTo: string) => {
      await io.write(`${line}\r\n`, timeouts.commandMs, where);
      return read(where, inReplyTo);
    };
    const ok = (r: PeerReply) => r.code >= 200 && r.code < 300;

    const greeting = await read('receiving the initial server greeting', 'greeting');
    if (!ok(greeting)) throw refused(greeting);

    const hello = async (): Promise<PeerExtensions> => {
      if (o.protocol === 'lmtp') {
        const r = await command(`LHLO ${o.heloName}`, 'performing the LHLO handshake', 'LHLO');
        if (!ok(r)) throw refused(r);
        return parseExtensions(r.text.split('\n'));
      }
      const r = await command(`EHLO ${o.heloName}`, 'performing the EHLO handshake', 'EHLO');
      if (ok(r)) return parseExtensions(r.text.split('\n'));
      if (r.code === 421) throw refused(r);
      // An old server that knows no EHLO: plain SMTP without extensions (RFC 5321 §3.2).
      const h = await command(`HELO ${o.heloName}`, 'performing the HELO handshake', 'HELO');
      if (!ok(h)) throw refused(h);
      return { ...NO_EXTENSIONS };
    };

    let extensions = await hello();
    let tls: SmtpConnection['tls'];
    const policy = typeof o.tls === 'object' ? o.tls : undefined;
    const required = (why: string) => new TlsPolicyError(`TLS is required (${policy!.name}) but ${why}`, policy!.name);
    if (tryTls && extensions.startTls) {
      const r = await command('STARTTLS', 'sending STARTTLS', 'STARTTLS');
      if (r.code === 421) throw refused(r);
      if (r.code !== 220 && policy?.required) throw required(`${io.name} refused STARTTLS: ${r.code} ${r.enhanced ? `${r.enhanced} ` : ''}${r.text.replace(/\n/g, ' ')}`);
      // Any other refusal: opportunistic TLS goes on in plaintext on this connection.
      if (r.code === 220) {
        const secure = await io.startTls(o.host, timeouts.greetingMs, policy?.ca);
        tls = { version: secure.getProtocol() ?? 'unknown', cipher: secure.getCipher().name, verified: policy && judgePeer(secure, o.host, policy) };
        extensions = await hello();
      }
    }
    if (!tls && policy?.required) throw required(`${io.name} did not offer STARTTLS`);
    return new ClientConnection(io, { host: o.host, address: o.address, port: o.port }, extensions, tls, o.protocol, timeouts);
  } catch (err) {
    io.close();
    throw err;
  }
}
