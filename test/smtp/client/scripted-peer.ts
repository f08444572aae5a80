// A tiny SMTP/LMTP peer whose every reply a test writes out, for what real servers do rarely
// and at the worst moment: mixed per-recipient replies, 421 mid-session, silence, garbage.
import { createServer, type Server, type Socket } from 'node:net';

export interface PeerSession {
  /** The next command line, without CRLF. */
  line(): Promise<string>;
  /** Whether more bytes than the lines read so far have arrived (the client did not wait for a reply). */
  ahead(): boolean;
  /** The message content up to the line ".", without it (still dot-stuffed). */
  data(): Promise<string>;
  /** Exactly `n` bytes (a BDAT chunk). */
  bytes(n: number): Promise<string>;
  send(text: string): void;
  close(): void;
  readonly socket: Socket;
}

export interface ScriptedPeer {
  port: number;
  /** One per connection, settled when its script ends (rejected when it threw). */
  sessions: Array<Promise<void>>;
  close(): Promise<void>;
}

export async function scriptedPeer(script: (s: PeerSession, index: number) => Promise<void>, path?: string): Promise<ScriptedPeer> {
  const sessions: Array<Promise<void>> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    let wake: (() => void) | undefined;
    let ended = false;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      buffer += d;
      wake?.();
    });
    socket.on('end', () => {
      ended = true;
      wake?.();
    });
    const until = async (take: () => string | undefined): Promise<string> => {
      for (;;) {
        const got = take();
        if (got !== undefined) return got;
        if (ended) throw new Error(`client closed; unread: ${JSON.stringify(buffer)}`);
        await new Promise<void>((resolve) => (wake = resolve));
      }
    };
    const cut = (end: number, skip: number) => {
      const got = buffer.slice(0, end);
      buffer = buffer.slice(end + skip);
      return got;
    };
    const session: PeerSession = {
      socket,
      line: () => until(() => (buffer.includes('\r\n') ? cut(buffer.indexOf('\r\n'), 2) : undefined)),
      ahead: () => buffer.length > 0,
      data: () =>
        until(() => {
          if (buffer.startsWith('.\r\n')) return cut(0, 3);
          const at = buffer.indexOf('\r\n.\r\n');
          return at === -1 ? undefined : cut(at + 2, 3);
        }),
      bytes: (n) => until(() => (buffer.length >= n ? cut(n, 0) : undefined)),
      send: (text) => void socket.write(text),
      close: () => void socket.end(),
    };
    sessions.push(script(session, sessions.length));
  });
  await new Promise<void>((resolve) => (path ? server.listen(path, resolve) : server.listen(0, '127.0.0.1', resolve)));
  return {
    port: path ? 0 : (server.address() as { port: number }).port,
    sessions,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
