// DNSSEC-signed zones for the AD-flag tests: keys made and zones signed with ldns
// (ldns-keygen, ldns-signzone), served as they are by a real Knot DNS on loopback, so that
// a validating Unbound in front of it can report authenticated (or bogus) answers.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKnot } from '../../helpers/knot.ts';
import { tempDir } from '../../helpers/postern-process.ts';
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
  const dir = tempDir('postern-signed-');
  t.after(async () => dir.remove());
  const trustAnchors = new Map<string, string>();
  const wrongAnchors = new Map<string, string>();
  const zoneFiles: { name: string; file: string }[] = [];
  for (const zone of zones) {
    writeFileSync(join(dir.path, `${zone.name}.zone`), zone.text);
    const key = makeKey(dir.path, zone.name);
    execFileSync('ldns-signzone', ['-f', `${zone.name}.signed`, `${zone.name}.zone`, key], { cwd: dir.path });
    trustAnchors.set(zone.name, dnskeyLine(dir.path, key));
    wrongAnchors.set(zone.name, dnskeyLine(dir.path, makeKey(dir.path, zone.name)));
    zoneFiles.push({ name: zone.name, file: join(dir.path, `${zone.name}.signed`) });
  }
  const { address, port } = await startKnot(t, zoneFiles);
  return { address, port, trustAnchors, wrongAnchors };
}
