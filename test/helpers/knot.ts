// A real Knot DNS (knotd) on loopback, in a folder of its own, serving zone files as they are
// (pre-signed zones are not re-signed: no dnssec-signing), stopped when the test scope ends.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dig, type Endpoint } from './dns.ts';
import { freePort, tempDir } from './postern-process.ts';
import type { CleanupScope } from './unbound.ts';

export async function startKnot(t: CleanupScope, zones: { name: string; file: string }[]): Promise<Endpoint> {
  const address = '127.0.0.1';
  const port = await freePort(address);
  const dir = tempDir('postern-knot-');
  const configFile = join(dir.path, 'knot.conf');
  writeFileSync(
    configFile,
    [
      'server:',
      `  listen: ${address}@${port}`,
      `  rundir: "${dir.path}"`,
      '  background-workers: 1',
      '  udp-workers: 1',
      '  tcp-workers: 1',
      'database:',
      `  storage: "${dir.path}"`,
      'template:',
      '  - id: default',
      `    storage: "${dir.path}"`,
      // Serve the files as they are: no journal, no writing back, no signing.
      '    zonefile-sync: -1',
      '    journal-content: none',
      'zone:',
      ...zones.flatMap((z) => [`  - domain: ${z.name}`, `    file: "${z.file}"`]),
      'log:',
      '  - target: stderr',
      '    any: error',
      '',
    ].join('\n'),
  );
  const child = spawn('knotd', ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    dir.remove();
  });
  const endpoint = { address, port };
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`knotd exited with ${child.exitCode}:\n${stderr}`);
    const probes = await Promise.all(zones.map((z) => dig(endpoint, ['+norec', '+time=1', z.name, 'SOA'])));
    if (probes.every((p) => p.status === 'NOERROR')) return endpoint;
    if (Date.now() - started > 10_000) throw new Error(`knotd did not serve every zone on ${address}:${port}:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
