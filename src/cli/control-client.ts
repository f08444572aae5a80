import { createConnection } from 'node:net';
import type { ControlCommand, ControlReply } from '../app/control-protocol.ts';

/** Sends one command to a running Postern. Rejects with a message an operator can act on. */
export function sendControl(socketPath: string, command: ControlCommand, args: string[] = [], timeoutMs = 60_000): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let data = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`Postern did not answer on ${socketPath} within ${timeoutMs / 1000}s`));
    });
    socket.on('connect', () => socket.write(`${JSON.stringify({ command, args })}\n`));
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? 'Postern is not running (no control socket answers at' : 'cannot reach Postern at';
      reject(new Error(`${why} ${socketPath}): ${err.code ?? err.message}`));
    });
    socket.on('end', () => {
      try {
        resolve(JSON.parse(data) as ControlReply);
      } catch {
        reject(new Error(`Postern sent an unreadable reply on ${socketPath}`));
      }
    });
  });
}
