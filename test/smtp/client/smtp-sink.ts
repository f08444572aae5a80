// Postfix's smtp-sink as a test peer: a real, independent SMTP implementation whose
// extensions can be switched off one by one (-e no ESMTP, -8 no 8BITMIME, -p no PIPELINING,
// -N no DSN) and which dumps each message it takes (-d). It listens on a port the OS picks;
// the port is read back from /proc (the listening socket among the process's descriptors).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { scratchDir } from '../../helpers/scratch-dirs.ts';

export interface Sink {
  port: number;
  /** The dumped messages so far (smtp-sink's X-* headers and Received included), newest last. */
  messages(): string[];
  stop(): void;
}

function listeningPort(pid: number): number | undefined {
  let inodes: string[];
  try {
    inodes = readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? ''];
      } catch {
        return [];
      }
    });
  } catch {
    return undefined;
  }
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // local_address is "0100007F:PORT"; state 0A is LISTEN; the inode is field 9.
    if (f[3] === '0A' && inodes.includes(f[9] ?? '')) return parseInt(f[1]!.split(':')[1]!, 16);
  }
  return undefined;
}

export async function startSink(flags: string[]): Promise<Sink> {
  const dir = await scratchDir('postern-sink-');
  // smtp-sink drops root privileges to -u's user, who must be able to write the dumps.
  chmodSync(dir, 0o777);
  const asRoot = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const child: ChildProcess = spawn('/usr/sbin/smtp-sink', [...asRoot, '-d', join(dir, 'msg.'), ...flags, '127.0.0.1:0', '10'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let i = 0; i < 100; i++) {
    const port = child.pid !== undefined && child.exitCode === null ? listeningPort(child.pid) : undefined;
    if (port) {
      return {
        port,
        messages: () => readdirSync(dir).sort((a, b) => a.localeCompare(b)).map((f) => readFileSync(join(dir, f), 'latin1')),
        stop: () => void child.kill(),
      };
    }
    if (child.exitCode !== null) break;
    await sleep(20);
  }
  child.kill();
  throw new Error(`smtp-sink did not start: ${stderr}`);
}
