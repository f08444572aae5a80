// Knot DNS (Debian's knotd) in a throwaway folder, in the foreground, logging to stderr.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BENCH_ADDRESS, startPeer, type PeerSetup, type RunningPeer } from './peer.ts';

function knotVersion(): string {
  const out = spawnSync('knotd', ['-V'], { encoding: 'utf8' }).stdout ?? '';
  return /version\s+(\S+)/.exec(out)?.[1] ?? 'unknown';
}

export function startKnot(setup: PeerSetup): Promise<RunningPeer> {
  return startPeer('knot', setup, (home, port) => {
    mkdirSync(join(home, 'run'));
    mkdirSync(join(home, 'db'));
    const config = join(home, 'knot.conf');
    // zonefile-sync -1 and journal-content none: Knot serves the file as is and never writes to it.
    writeFileSync(
      config,
      `server:
  rundir: "${join(home, 'run')}"
  listen: ${BENCH_ADDRESS}@${port}
  udp-workers: ${setup.workers}
  tcp-workers: 1
  background-workers: 1
log:
  - target: stderr
    any: warning
database:
  storage: "${join(home, 'db')}"
template:
  - id: default
    storage: "${dirname(setup.zoneFile)}"
    zonefile-load: whole
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: ${setup.origin}
    file: "${basename(setup.zoneFile)}"
`,
    );
    return { version: knotVersion(), parallelism: `udp-workers: ${setup.workers}`, command: 'knotd', args: ['-c', config] };
  });
}
