// A DNSSEC-signed zone as an administrator with BIND's tools makes one: a key from
// dnssec-keygen, the zone signed with dnssec-signzone (bind9-utils), served as it is by a real
// Knot on loopback. The key is returned as a trust anchor for a validating resolver in front.
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CleanupScope } from './daemon.ts';
import type { Endpoint } from './dns.ts';
import { startKnot } from './knot.ts';
import { tempDir } from './postern-process.ts';

export interface ServedSignedZone extends Endpoint {
  /** The zone's DNSKEY as an Unbound `trust-anchor:` value. */
  trustAnchor: string;
}

/** `text`: the zone in master-file form, $ORIGIN and $TTL included, without DNSKEY records. */
export async function serveSignedZone(t: CleanupScope, name: string, text: string): Promise<ServedSignedZone> {
  const dir = tempDir('postern-signed-zone-');
  t.after(() => dir.remove());
  const run = (command: string, args: string[]) => execFileSync(command, args, { cwd: dir.path, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  // One key signs everything (-z below): a KSK that also signs the zone's data, as a CSK would.
  const key = run('dnssec-keygen', ['-q', '-a', 'ECDSAP256SHA256', '-f', 'KSK', '-n', 'ZONE', name]);
  const zoneFile = join(dir.path, `${name}.zone`);
  writeFileSync(zoneFile, text);
  appendFileSync(zoneFile, `\n$INCLUDE ${key}.key\n`);
  run('dnssec-signzone', ['-q', '-z', '-o', name, '-f', `${name}.signed`, zoneFile, key]);
  const trustAnchor = readFileSync(join(dir.path, `${key}.key`), 'utf8')
    .split('\n')
    .find((line) => !line.startsWith(';') && line.includes('DNSKEY'))!
    .trim();
  const endpoint = await startKnot(t, [{ name, file: join(dir.path, `${name}.signed`) }]);
  return { ...endpoint, trustAnchor };
}
