// NSD (Debian's nsd) in a throwaway folder, in the foreground (-d), without its response rate limiter.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BENCH_ADDRESS, startPeer, type PeerSetup, type RunningPeer } from './peer.ts';

function nsdVersion(): { version: string; hasRrl: boolean } {
  const nsd = spawnSync('nsd', ['-v'], { encoding: 'utf8' });
  const out = `${nsd.stdout ?? ''}${nsd.stderr ?? ''}`;
  return { version: /NSD version\s+(\S+)/.exec(out)?.[1] ?? 'unknown', hasRrl: out.includes('--enable-ratelimit') };
}

export function startNsd(setup: PeerSetup): Promise<RunningPeer> {
  return startPeer('nsd', setup, (home, port) => {
    const { version, hasRrl } = nsdVersion();
    const config = join(home, 'nsd.conf');
    // Built with RRL, NSD would otherwise answer part of a flood with truncated or no replies:
    // the bench would measure its limiter, not its server.
    const rrl = hasRrl ? '  rrl-ratelimit: 0\n' : '';
    // reuseport gives each server process its own socket, as Knot's workers have. minimal-responses
    // drops the authority NS set and its glue from plain answers, which Knot does not send either
    // (it also drops the MX targets' addresses, which Knot sends: the "resp B" column shows the rest).
    writeFileSync(
      config,
      `server:
  ip-address: ${BENCH_ADDRESS}
  port: ${port}
  server-count: ${setup.workers}
  reuseport: yes
  minimal-responses: yes
  zonesdir: "${dirname(setup.zoneFile)}"
  database: ""
  pidfile: "${join(home, 'nsd.pid')}"
  xfrdfile: "${join(home, 'xfrd.state')}"
  zonelistfile: "${join(home, 'zone.list')}"
  username: ""
  chroot: ""
  verbosity: 0
${rrl}remote-control:
  control-enable: no
zone:
  name: ${setup.origin}
  zonefile: "${basename(setup.zoneFile)}"
`,
    );
    return { version, parallelism: `server-count: ${setup.workers}`, command: 'nsd', args: ['-d', '-c', config] };
  });
}
