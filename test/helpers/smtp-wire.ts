// A raw SMTP client for tests: sends exact bytes and reads whole replies, so a test sees
// precisely what a client on the wire would see. It can switch to TLS (STARTTLS) or start in it.
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface WireTlsOptions {
  /** The CA that signed the server's certificate (PEM). */
  ca: string;
  servername?: string;
}

export interface WireClient {
  /** The next complete reply (all its lines), e.g. "250-a\r\n250 b\r\n". */
  reply(timeoutMs?: number): Promise<string>;
  /** Just the code and enhanced code of the last line of the next reply, e.g. "250 2.1.0". */
  code(timeoutMs?: number): Promise<string>;
  send(data: string | Buffer): void;
  /** Replaces the connection by TLS over it (after the server's 220 to STARTTLS); resolves once the handshake is done. */
  startTls(options: WireTlsOptions): Promise<TLSSocket>;
  /** Bytes received and not yet read as a reply. */
  unread(): string;
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>;
  close(): void;
}

function secureConnected(socket: TLSSocket): Promise<TLSSocket> {
  return new Promise((resolve, reject) => socket.once('secureConnect', () => resolve(socket)).once('error', reject));
}

/** A client whose connection is TLS from the first byte (a `submissions` listener). */
export async function wireClientTls(port: number, tls: WireTlsOptions, host = '127.0.0.1'): Promise<WireClient> {
  const socket = await secureConnected(tlsConnect({ port, host, ca: tls.ca, servername: tls.servername }));
  return wireOver(socket);
}

export async function wireClient(port: number, host = '127.0.0.1', localAddress?: string): Promise<WireClient> {
  const socket: Socket = connect({ port, host, localAddress });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return wireOver(socket);
}

function wireOver(first: Socket): WireClient {
  let socket = first;
  let buffer = '';
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const onData = (d: string) => {
    buffer += d;
    wake();
  };
  let closed!: Promise<void>;
  const listen = (s: Socket) => {
    s.setEncoding('utf8');
    s.on('data', onData);
    s.on('error', () => undefined);
    closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    void closed.then(wake);
  };
  listen(socket);
  const reply = async (timeoutMs = 5000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = /^\d{3} [^\n]*\n/m.exec(buffer);
      if (end) {
        const cut = end.index + end[0].length;
        const out = buffer.slice(0, cut);
        buffer = buffer.slice(cut);
        return out;
      }
      if (socket.destroyed || socket.readableEnded) throw new Error(`connection closed; unread: ${JSON.stringify(buffer)}`);
      if (Date.now() > deadline) throw new Error(`no complete reply within ${timeoutMs} ms; have: ${JSON.stringify(buffer)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  return {
    reply,
    code: async (timeoutMs) => {
      const lines = (await reply(timeoutMs)).trimEnd().split('\r\n');
      return /^(\d{3}) (\d\.\d+\.\d+)?/.exec(lines.at(-1)!)!.slice(1).filter(Boolean).join(' ');
    },
    send: (data) => socket.write(data),
    async startTls(tls) {
      socket.off('data', onData);
      const secure = await secureConnected(tlsConnect({ socket, ca: tls.ca, servername: tls.servername }));
      socket = secure;
      listen(secure);
      return secure;
    },
    unread: () => buffer,
    get closed() {
      return closed;
    },
    close: () => socket.destroy(),
  };
}
