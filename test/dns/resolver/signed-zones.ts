// DNSSEC-signed zones for the AD-flag tests: keys made and zones signed with ldns
// (ldns-keygen, ldns-signzone), served as they are by a real Knot DNS on loopback, so that
// a validating Unbound in front of it can report authenticated (or bogus) answers.

import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dig } from '../../helpers/dns.ts';
import { freePort, tempDir } from '../../helpers/postern-process.ts';
import type { CleanupScope } from '../../helpers/unbound.ts';

export interface SignedZone {
  name: string;
  /** The zone's records in master-file form, $ORIGIN and $TTL included. */
  text: string;
}

export interface ServedZones {
  address: string;
  port: number;
  /** The DNSKEY each zone was signed with, as an Unbound `trust-anchor:` value. */
  trustAnchors: Map<string, string>;
  /** A key of each zone's name that did not sign it: a trust anchor that makes the zone bogus. */
  wrongAnchors: Map<string, string>;
}

/** Makes a KSK for `zone` in `dir` and returns the file prefix ("Kzone.+013+12345"). */
function makeKey(dir: string, zone: string): string {
  return execFileSync('ldns-keygen', ['-a', 'ECDSAP256SHA256', '-k', zone], { cwd: dir, encoding: 'utf8' }).trim();
}

/** The DNSKEY line of a key file without ldns's trailing comment. */
const dnskeyLine = (dir: string, prefix: string): string => readFileSync(join(dir, `${prefix}.key`), 'utf8').replace(/;.*$/s, '').trim();

export async function serveSignedZones(t: CleanupScope, zones: SignedZone[]): Promise<ServedZones> {
  const address = '127.0.0.1';
  const port = await freePort(address);
  const dir = tempDir('postern-knot-');
  const trustAnchors = new Map<string, string>();
  const wrongAnchors = new Map<string, string>();
  const zoneFiles: string[] = [];
  for (const zone of zones) {
    writeFileSync(join(dir.path, `${zone.name}.zone`), zone.text);
    const key = makeKey(dir.path, zone.name);
    execFileSync('ldns-signzone', ['-f', `${zone.name}.signed`, `${zone.name}.zone`, key], { cwd: dir.path });
    trustAnchors.set(zone.name, dnskeyLine(dir.path, key));
    wrongAnchors.set(zone.name, dnskeyLine(dir.path, makeKey(dir.path, zone.name)));
    zoneFiles.push(`  - domain: ${zone.name}`, `    file: "${join(dir.path, `${zone.name}.signed`)}"`);
  }
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
      'zone:',
      ...zoneFiles,
      'log:',
      '  - target: stderr',
      '    any: error',
      '',
    ].join('\n'),
  );
  // knotd is one process (threads), so stopping it leaves no orphaned workers behind.
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
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`knotd exited with ${child.exitCode}:\n${stderr}`);
    const probe = await dig({ address, port }, ['+norec', '+time=1', zones[0].name, 'SOA']);
    if (probe.status === 'NOERROR') break;
    if (Date.now() - started > 10_000) throw new Error(`knotd did not answer on ${address}:${port}:\n${probe.text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { address, port, trustAnchors, wrongAnchors };
}
