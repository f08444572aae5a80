// Postern as a relay the way an administrator configures one: a YAML file and `postern start`.
// Mail for the bench's domain is relayed for 127.0.0.0/8 and delivered to a fixed next hop (the
// sink); the resolver points at a loopback port nobody listens on, so that nothing leaves the
// machine. Everything else keeps its default, as Postfix's and Haraka's configurations do.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchPostern } from './postern-launch.ts';
import type { RunningSmtpPeer, SmtpPeerSetup } from './postfix.ts';
import { freePort } from '../../test/helpers/postern-process.ts';

export interface NextHop {
  host: string;
  port: number;
}

export async function startPosternRelay(setup: SmtpPeerSetup, recipient: string, nextHop: NextHop, nodeOptions: string[] = []): Promise<RunningSmtpPeer> {
  mkdirSync(setup.home, { recursive: true });
  const nobodyListens = await freePort();
  const domain = recipient.slice(recipient.indexOf('@') + 1);
  const config = join(setup.home, 'postern.yaml');
  writeFileSync(
    config,
    `hostname: bench-postern.example.test
dataDir: ${join(setup.home, 'var')}
log: { level: warn, format: json }
smtp:
  listeners: [ { address: 127.0.0.1, port: ${setup.port}, role: mta } ]
relay: { networks: [ 127.0.0.0/8 ] }   # trusted: no per-client connection limit, as Postfix's mynetworks
routes:
  ${domain}: { type: smtp, host: ${nextHop.host}, port: ${nextHop.port} }
resolver: { servers: [ "127.0.0.1:${nobodyListens}" ], timeout: 1s, attempts: 1 }
`,
  );
  return launchPostern(setup, config, recipient, nodeOptions);
}
