// Postern receiving mail the way an administrator configures it: a YAML file and `postern start`.
// Mail for remote.test is relayed for 127.0.0.0/8 and stays in the durable queue, as Postfix's
// does with its transports deferred: its route is a next hop on a loopback port nobody listens
// on, so the queue manager's first attempt is refused at once and deferred for an hour. (Without
// a route Postern would look up remote.test's MX, find none and return every message to its
// sender: a bounce and a second message per message, which Postfix is not asked to do.)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { childPidWith } from './proc-stats.ts';
import type { RunningSmtpPeer, SmtpPeerSetup } from './postfix.ts';
import { spawnServer } from './server-process.ts';
import { waitForSmtp } from './smtp-source.ts';
import { freePort } from '../../test/helpers/postern-process.ts';

const REPO = resolve(import.meta.dirname, '../..');

export const QUEUED_RECIPIENT = 'user@remote.test';

export async function startPosternSmtp(setup: SmtpPeerSetup): Promise<RunningSmtpPeer> {
  mkdirSync(setup.home, { recursive: true });
  const nobodyListens = await freePort();
  const config = join(setup.home, 'postern.yaml');
  writeFileSync(
    config,
    `hostname: bench-postern.example.test
dataDir: ${join(setup.home, 'var')}
log: { level: warn, format: json }
smtp:
  listeners: [ { address: 127.0.0.1, port: ${setup.port}, role: mta } ]
domains: [ example.test ]
relay: { networks: [ 127.0.0.0/8 ] }   # trusted: no per-client connection limit, as Postfix's mynetworks
routes:
  example.test: { type: maildir, path: ${join(setup.home, 'mail')} }
  remote.test: { type: smtp, host: 127.0.0.1, port: ${nobodyListens} }
queue: { retry: { min: 1h, max: 1h } }
`,
  );
  const server = spawnServer(process.execPath, [join(REPO, 'bin/postern.js'), 'start', '--config', config], { cwd: setup.home, maxLifetimeMs: setup.maxLifetimeMs });
  try {
    const pid = await childPidWith(config, server);
    await waitForSmtp(setup.port, QUEUED_RECIPIENT, 60_000, server.hasExited, server.output);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    return { name: 'postern', version: `${pkg.version} (node ${process.versions.node})`, pid, stop: () => server.stop() };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
