// A real Knot DNS as the primary of a zone that Postern is secondary for: transfers allowed (with
// a TSIG key when given), NOTIFY sent to Postern, changes made through knotc transactions (Knot
// journals them, so it answers IXFR with the differences).

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dig, type Endpoint } from '../../helpers/dns.ts';
import { freePort, tempDir } from '../../helpers/postern-process.ts';
import { startDaemon, type CleanupScope } from '../../helpers/daemon.ts';

const run = promisify(execFile);

export interface KnotKey {
  name: string;
  algorithm: string;
  secret: string;
}

export interface KnotPrimaryOptions {
  zone: string;
  /** The zone file's text ($ORIGIN and $TTL included). */
  text: string;
  /** Where Postern listens: Knot sends its NOTIFY there. */
  secondary: Endpoint;
  /** Required of transfers and used to sign NOTIFY. */
  key?: KnotKey;
}

export interface KnotPrimary {
  endpoint: Endpoint;
  /** Runs knotc with the instance's control socket. */
  knotc(...args: string[]): Promise<string>;
  /** Replaces records in one transaction (Knot raises the serial): `set` lines are "owner ttl type rdata". */
  change(remove: string[], add: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startKnotPrimary(t: CleanupScope, opts: KnotPrimaryOptions): Promise<KnotPrimary> {
  const address = '127.0.0.1';
  const port = await freePort(address);
  const dir = tempDir('postern-knot-primary-');
  const zoneFile = join(dir.path, `${opts.zone}.zone`);
  writeFileSync(zoneFile, opts.text);
  const socket = join(dir.path, 'knot.sock');
  const configFile = join(dir.path, 'knot.conf');
  const keyId = opts.key?.name;
  writeFileSync(
    configFile,
    [
      'server:',
      `  listen: ${address}@${port}`,
      `  rundir: "${dir.path}"`,
      '  background-workers: 1',
      '  udp-workers: 1',
      '  tcp-workers: 1',
      'control:',
      `  listen: "${socket}"`,
      ...(opts.key ? ['key:', `  - id: ${opts.key.name}`, `    algorithm: ${opts.key.algorithm}`, `    secret: ${opts.key.secret}`] : []),
      'remote:',
      '  - id: postern',
      `    address: ${opts.secondary.address}@${opts.secondary.port}`,
      ...(keyId ? [`    key: ${keyId}`] : []),
      'acl:',
      '  - id: transfer',
      `    address: ${opts.secondary.address}`,
      ...(keyId ? [`    key: ${keyId}`] : []),
      '    action: transfer',
      'database:',
      `  storage: "${dir.path}"`,
      'template:',
      '  - id: default',
      `    storage: "${dir.path}"`,
      '    zonefile-sync: -1',
      '    journal-content: changes',
      '    serial-policy: increment',
      'zone:',
      `  - domain: ${opts.zone}`,
      `    file: "${zoneFile}"`,
      '    notify: postern',
      '    acl: transfer',
      'log:',
      '  - target: stderr',
      '    any: warning',
      '',
    ].join('\n'),
  );
  const knotd = startDaemon(t, 'knotd', ['-c', configFile], dir);
  const endpoint = { address, port };
  const knotc = async (...args: string[]): Promise<string> => (await run('knotc', ['-s', socket, ...args], { encoding: 'utf8', timeout: 10_000 })).stdout;
  const deadline = Date.now() + 10_000;
  while ((await dig(endpoint, ['+norec', '+time=1', opts.zone, 'SOA'])).status !== 'NOERROR') {
    if (knotd.exited() || Date.now() > deadline) throw new Error(`knotd did not serve ${opts.zone} on ${address}:${port}:\n${knotd.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    endpoint,
    knotc,
    async change(remove, add) {
      await knotc('zone-begin', opts.zone);
      for (const line of remove) await knotc('zone-unset', opts.zone, ...line.split(/\s+/));
      for (const line of add) await knotc('zone-set', opts.zone, ...line.split(/\s+/));
      await knotc('zone-commit', opts.zone);
    },
    stop: knotd.stop,
  };
}
