// Postern started the way an administrator starts it: a YAML config and `postern start --config`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BENCH_ADDRESS, startPeer, type PeerSetup, type RunningPeer } from './peer.ts';

const REPO = resolve(import.meta.dirname, '../..');

function posternVersion(): string {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  return `${pkg.version} (node ${process.versions.node})`;
}

/** `dnsSettings`: YAML keys under `dns:` besides listen and workers; by default the bench zone. */
export function startPostern(setup: PeerSetup, dnsSettings = `zones: [ { name: ${setup.origin}, file: "${setup.zoneFile}" } ]`): Promise<RunningPeer> {
  return startPeer('postern', setup, (home, port) => {
    const config = join(home, 'postern.yaml');
    writeFileSync(
      config,
      `hostname: bench.example.test
dataDir: ${join(home, 'var')}
log: { level: warn, format: json }
dns:
  listen: [ "${BENCH_ADDRESS}:${port}" ]
  workers: ${setup.workers}
  ${dnsSettings}
`,
    );
    return { version: posternVersion(), parallelism: `workers: ${setup.workers}`, command: process.execPath, args: [join(REPO, 'bin/postern.js'), 'start', '--config', config] };
  });
}
