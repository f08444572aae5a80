// A test's own instance of a server program (knotd, unbound): run in the foreground, its stderr
// kept for error messages, stopped (and its folder removed) when the test scope ends.
import { spawn, type ChildProcess } from 'node:child_process';

/** Where to register clean-up: a TestContext, or a suite's own list run in its after hook. */
export interface CleanupScope {
  after(fn: () => unknown): void;
}

export interface Daemon {
  child: ChildProcess;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** Whether it has exited (a start that failed). */
  exited(): boolean;
  stop(): Promise<void>;
}

export function startDaemon(t: CleanupScope, command: string, args: string[], dir: { remove(): void }): Daemon {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  t.after(async () => {
    await stop();
    dir.remove();
  });
  return { child, stderr: () => stderr, exited: () => child.exitCode !== null, stop };
}
