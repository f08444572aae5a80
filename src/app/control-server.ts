import { existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import type { Logger } from '../log/logger.ts';
import type { ControlCommand, ControlReply, ControlRequest } from './control-protocol.ts';

export type ControlHandler = (command: ControlCommand, args: string[]) => Promise<ControlReply>;

const COMMANDS: readonly ControlCommand[] = ['status', 'reload', 'dns-reload', 'stop', 'queue', 'quarantine'];
const MAX_REQUEST_BYTES = 4096;

/** True when a live Postern answers on the socket; a stale socket file from a crash is not. */
export function isControlSocketLive(path: string): Promise<boolean> {
  if (!existsSync(path)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startControlServer(path: string, handle: ControlHandler, logger: Logger): Promise<Server> {
  // Postern.start has made sure no live instance owns it: this is a stale file from a crash.
  if (existsSync(path)) unlinkSync(path);
  const server = createServer((socket) => {
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_REQUEST_BYTES) return socket.destroy();
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      socket.removeAllListeners('data');
      answer(buffered.slice(0, newline)).then((reply) => socket.end(`${JSON.stringify(reply)}\n`));
    });
  });

  async function answer(line: string): Promise<ControlReply> {
    let request: ControlRequest;
    try {
      request = JSON.parse(line) as ControlRequest;
    } catch {
      return { ok: false, message: 'the request is not JSON' };
    }
    if (!COMMANDS.includes(request.command)) return { ok: false, message: `unknown command ${JSON.stringify(request.command)}` };
    const args = Array.isArray(request.args) ? request.args.map(String) : [];
    try {
      return await handle(request.command, args);
    } catch (err) {
      logger.error({ err, command: request.command }, 'control command failed');
      return { ok: false, message: (err as Error).message };
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
