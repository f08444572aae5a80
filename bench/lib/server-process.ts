// Starts a DNS server as a child process in its own process group, so that stopping it also
// stops its workers (nsd forks, postern runs node:cluster workers), and bounds its lifetime.
//
// Not in its own session, though (Node's `detached` calls setsid): with the kernel's scheduler
// autogroups, which Debian enables, each session is one CPU-sharing entity, so a server in a new
// session got about one core against dnsperf's one and NSD measured 40k qps instead of 120k.
// perl (perl-base is essential in Debian) makes the process group, then becomes the server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { onAbort } from './cleanup.ts';

export interface ServerProcess {
  hasExited(): boolean;
  /** What the server wrote on stdout and stderr, for error messages. */
  output(): string;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the leader has exited. */
  stop(graceMs?: number): Promise<void>;
}

const ENTER_OWN_PROCESS_GROUP = ['-e', 'setpgrp(0, 0); exec { $ARGV[0] } @ARGV or die "cannot run $ARGV[0]: $!\\n"'];

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // No group (yet: perl has not run setpgrp) or no more: the leader alone, if it still runs.
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

export interface SpawnOptions {
  cwd: string;
  /** After this long the server is killed whatever happens, so a hung benchmark cannot leave it running. */
  maxLifetimeMs: number;
}

export function spawnServer(command: string, args: string[], options: SpawnOptions): ServerProcess {
  const child = spawn('perl', [...ENTER_OWN_PROCESS_GROUP, command, ...args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`cannot start ${command}`);
  const forget = onAbort(() => signalGroup(child, 'SIGKILL'));
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const deadline = setTimeout(() => signalGroup(child, 'SIGKILL'), options.maxLifetimeMs);
  deadline.unref();
  return {
    hasExited: () => child.exitCode !== null || child.signalCode !== null,
    output: () => output,
    async stop(graceMs = 5_000) {
      clearTimeout(deadline);
      if (child.exitCode === null && child.signalCode === null) {
        signalGroup(child, 'SIGTERM');
        const force = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(force);
      }
      // Workers may outlive their leader for a moment; the group must be empty when we return.
      signalGroup(child, 'SIGKILL');
      forget();
    },
  };
}

/** Polls with dig until the server answers the zone's SOA (or fails if it exits or `timeoutMs` passes). */
export async function waitUntilAnswering(server: ServerProcess, name: string, port: number, origin: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dig = spawnSync('dig', ['@127.0.0.1', '-p', String(port), origin, 'SOA', '+short', '+time=1', '+tries=1'], { encoding: 'utf8' });
    if (dig.status === 0 && dig.stdout.trim() !== '') return;
    if (server.hasExited()) throw new Error(`${name} exited before answering; its output:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} did not answer ${origin} SOA on 127.0.0.1:${port} within ${timeoutMs} ms; its output:\n${server.output()}`);
}
