// Starts the real `postern` command in a temporary folder, as an administrator would.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const POSTERN_BIN = resolve(import.meta.dirname, '../../bin/postern.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runPostern(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [POSTERN_BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Like runPostern, without blocking this process: needed where the command waits for a Postern
 *  that this process started, since only a parent that runs can reap its exited child. */
export function runPosternAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [POSTERN_BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('close', (status) => done({ status, stdout, stderr }));
  });
}

/** A TCP port free right now on the address (the OS picks it); UDP on the same number is checked by the caller's bind. */
export function freePort(address = '127.0.0.1'): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, address, () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export function tempDir(prefix = 'postern-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface RunningPostern {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): Promise<number | null>;
}

/** Runs `postern start --config FILE` with JSON logs on stderr; resolves once it logged "postern started". */
export async function startPostern(configFile: string): Promise<RunningPostern> {
  const child = spawn(process.execPath, [POSTERN_BIN, 'start', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line, raw: true });
      }
    }
    for (const w of waiters) w();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const waitForLog = (match: (line: Record<string, unknown>) => boolean, timeoutMs = 20_000) =>
    new Promise<Record<string, unknown>>((done, fail) => {
      const check = () => {
        const hit = logs.find(match);
        if (hit) {
          waiters.delete(check);
          clearTimeout(timer);
          done(hit);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        fail(new Error(`postern did not log the expected line within ${timeoutMs} ms; logs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`));
      }, timeoutMs);
      waiters.add(check);
      void exited.then(() => setTimeout(check, 50));
      check();
    });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  await Promise.race([
    waitForLog((l) => l.msg === 'postern started'),
    exited.then((code) => {
      throw new Error(`postern exited with ${code} before starting; logs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`);
    }),
  ]);
  return { child, logs, exited, waitForLog, stop };
}

export function writeConfig(dir: string, yaml: string): string {
  const file = join(dir, 'postern.yaml');
  writeFileSync(file, yaml);
  return file;
}
