// A real Knot DNS (knotd) on loopback, in a folder of its own, serving zone files as they are
// (pre-signed zones are not re-signed: no dnssec-signing), stopped when the test scope ends.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dig, type Endpoint } from './dns.ts';
import { freePort, tempDir } from './postern-process.ts';
import { startDaemon, type CleanupScope } from './daemon.ts';

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
  const knotd = startDaemon(t, 'knotd', ['-c', configFile], dir);
  const endpoint = { address, port };
  const started = Date.now();
  for (;;) {
    if (knotd.exited()) throw new Error(`knotd exited with ${knotd.child.exitCode}:\n${knotd.stderr()}`);
    const probes = await Promise.all(zones.map((z) => dig(endpoint, ['+norec', '+time=1', z.name, 'SOA'])));
    if (probes.every((p) => p.status === 'NOERROR')) return endpoint;
    if (Date.now() - started > 10_000) throw new Error(`knotd did not serve every zone on ${address}:${port}:\n${knotd.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
