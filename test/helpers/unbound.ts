// Starts a real Unbound (Debian's `unbound`) for one test: its own temp directory, 127.0.0.1
// and a free port, no daemon, no privileges dropped, a control socket for its statistics.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type CleanupScope } from './daemon.ts';
import { freePort, tempDir } from './postern-process.ts';

export interface UnboundSettings {
  /** `server:` lines beyond the base configuration, e.g. `local-zone: "example.test." static`. */
  serverLines: string[];
  /** Whole clauses after `server:`, e.g. a `stub-zone:`. */
  clauses?: string[];
}

export type { CleanupScope };

export interface RunningUnbound {
  address: string;
  port: number;
  /** The counters of `unbound-control stats_noreset`, e.g. total.num.queries. */
  statistics(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

const quote = (s: string): string => JSON.stringify(s);

export async function startUnbound(t: CleanupScope, settings: UnboundSettings): Promise<RunningUnbound> {
  const address = '127.0.0.1';
  const port = await freePort(address);
  const dir = tempDir('postern-unbound-');
  const control = join(dir.path, 'control.sock');
  const configFile = join(dir.path, 'unbound.conf');
  writeFileSync(
    configFile,
    [
      'server:',
      `  interface: ${address}`,
      `  port: ${port}`,
      '  do-daemonize: no',
      '  username: ""',
      '  chroot: ""',
      `  directory: ${quote(dir.path)}`,
      `  pidfile: ${quote(join(dir.path, 'unbound.pid'))}`,
      '  use-syslog: no',
      '  logfile: ""',
      '  verbosity: 1',
      '  num-threads: 1',
      '  do-ip6: no',
      '  so-reuseport: no',
      '  access-control: 127.0.0.0/8 allow',
      ...settings.serverLines.map((line) => `  ${line}`),
      ...(settings.clauses ?? []),
      'remote-control:',
      '  control-enable: yes',
      `  control-interface: ${quote(control)}`,
      '  control-use-cert: no',
      '',
    ].join('\n'),
  );
  const unbound = startDaemon(t, 'unbound', ['-d', '-c', configFile], dir);
  const runControl = (args: string[]): Promise<string> =>
    new Promise((done, fail) => {
      execFile('unbound-control', ['-c', configFile, ...args], { encoding: 'utf8', timeout: 5000 }, (err, stdout) =>
        err ? fail(new Error(`unbound-control ${args.join(' ')}: ${err.message}\n${stdout}\nunbound said:\n${unbound.stderr()}`)) : done(stdout),
      );
    });
  // Unbound opens its DNS ports before the control socket, so a working `status` means it answers.
  const started = Date.now();
  for (;;) {
    if (unbound.exited()) throw new Error(`unbound exited with ${unbound.child.exitCode}:\n${unbound.stderr()}`);
    try {
      await runControl(['status']);
      break;
    } catch (err) {
      if (Date.now() - started > 10_000) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    address,
    port,
    stop: unbound.stop,
    async statistics() {
      const counters = new Map<string, number>();
      for (const line of (await runControl(['stats_noreset'])).split('\n')) {
        const [key, value] = line.split('=');
        if (value !== undefined) counters.set(key, Number(value));
      }
      return counters;
    },
  };
}
