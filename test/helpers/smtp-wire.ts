// A raw SMTP client for tests: sends exact bytes and reads whole replies, so a test sees
// precisely what a client on the wire would see.
import { connect, type Socket } from 'node:net';

export interface WireClient {
  /** The next complete reply (all its lines), e.g. "250-a\r\n250 b\r\n". */
  reply(timeoutMs?: number): Promise<string>;
  /** Just the code and enhanced code of the last line of the next reply, e.g. "250 2.1.0". */
  code(timeoutMs?: number): Promise<string>;
  send(data: string | Buffer): void;
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>;
  close(): void;
}

export async function wireClient(port: number, host = '127.0.0.1', localAddress?: string): Promise<WireClient> {
  const socket: Socket = connect({ port, host, localAddress });
  let buffer = '';
  const waiters: Array<() => void> = [];
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    buffer += d;
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void closed.then(() => {
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined);
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
    closed,
    close: () => socket.destroy(),
  };
}
