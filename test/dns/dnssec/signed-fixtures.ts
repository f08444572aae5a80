// Signed test zones made with ldns (ldns-keygen, ldns-key2ds, ldns-signzone) in a temp dir:
// for each parent, NSEC or NSEC3 (optionally opt-out), a signed child delegated with a DS and
// an unsigned child delegated without one, plus wildcards, an alias, empty non-terminals.
// Knot's kzonesign makes an opt-out zone as RFC 5155 means it: no NSEC3 for the unsigned
// delegations (ldns keeps one), so DS denial needs the closest encloser proof (§7.2.4).

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Denial = 'nsec' | 'nsec3' | 'nsec3-optout';

export interface SignedZoneFile {
  name: string;
  file: string;
}

export interface SignedParent {
  name: string;
  denial: Denial;
  file: string;
  /** The KSK's DNSKEY as an Unbound `trust-anchor:` value. */
  trustAnchor: string;
  /** The signed child (secure.NAME) and the unsigned one (insecure.NAME). */
  children: SignedZoneFile[];
}

const parentText = (origin: string, ds: string): string =>
  [
    `$ORIGIN ${origin}.`,
    '$TTL 300',
    '@ IN SOA ns1 hostmaster 1 7200 1800 1209600 60',
    '@ IN NS ns1',
    '@ IN MX 10 mx1',
    'ns1 IN A 127.0.0.2',
    'mx1 IN A 127.0.0.11',
    'mx1 IN AAAA ::1',
    'www IN A 127.0.0.20',
    'alias IN CNAME www',
    'dangling IN CNAME missing',
    '*.wild IN TXT "wild"',
    '*.wild IN A 127.0.0.30',
    'a.b.c IN A 127.0.0.3',
    'insecure IN NS ns.insecure',
    'ns.insecure IN A 127.0.0.4',
    'secure IN NS ns.secure',
    'ns.secure IN A 127.0.0.5',
    ds,
    '',
  ].join('\n');

const childText = (origin: string): string =>
  [`$ORIGIN ${origin}.`, '$TTL 300', '@ IN SOA ns hostmaster 1 7200 1800 1209600 60', '@ IN NS ns', 'ns IN A 127.0.0.5', 'www IN A 127.0.0.21', ''].join('\n');

const run = (dir: string, command: string, args: string[]): string => execFileSync(command, args, { cwd: dir, encoding: 'utf8' }).trim();

/** A KSK and a ZSK for `zone` (ECDSA P-256: fast and small); the file prefixes. */
function makeKeys(dir: string, zone: string): { ksk: string; zsk: string } {
  return {
    ksk: run(dir, 'ldns-keygen', ['-a', 'ECDSAP256SHA256', '-k', zone]),
    zsk: run(dir, 'ldns-keygen', ['-a', 'ECDSAP256SHA256', zone]),
  };
}

const DENIAL_FLAGS: Record<Denial, string[]> = {
  nsec: [],
  nsec3: ['-n', '-t', '5', '-s', 'beef'],
  'nsec3-optout': ['-n', '-p', '-t', '0'],
};

function sign(dir: string, zone: string, text: string, keys: { ksk: string; zsk: string }, denial: Denial): string {
  writeFileSync(join(dir, `${zone}.zone`), text);
  const signed = join(dir, `${zone}.signed`);
  run(dir, 'ldns-signzone', [...DENIAL_FLAGS[denial], '-f', signed, `${zone}.zone`, keys.ksk, keys.zsk]);
  return signed;
}

/** Signs `parent` with `denial`, its child secure.PARENT (NSEC) and writes insecure.PARENT unsigned. */
export function makeSignedParent(dir: string, parent: string, denial: Denial): SignedParent {
  const secure = `secure.${parent}`;
  const childKeys = makeKeys(dir, secure);
  const childFile = sign(dir, secure, childText(secure), childKeys, 'nsec');
  const ds = run(dir, 'ldns-key2ds', ['-n', '-2', `${childKeys.ksk}.key`]);
  const insecure = `insecure.${parent}`;
  const insecureFile = join(dir, `${insecure}.zone`);
  writeFileSync(insecureFile, childText(insecure));
  const keys = makeKeys(dir, parent);
  const file = sign(dir, parent, parentText(parent, ds), keys, denial);
  const trustAnchor = readFileSync(join(dir, `${keys.ksk}.key`), 'utf8').replace(/;.*$/s, '').trim();
  return { name: parent, denial, file, trustAnchor, children: [{ name: secure, file: childFile }, { name: insecure, file: insecureFile }] };
}

/** `zone` signed by kzonesign with NSEC3 opt-out: both delegations (secure.ZONE without its
 *  DS here, insecure.ZONE) are unsigned and have no NSEC3 of their own. */
export function makeKnotOptOutZone(dir: string, zone: string): { name: string; file: string; trustAnchor: string } {
  const home = join(dir, `knot-${zone}`);
  mkdirSync(join(home, 'out'), { recursive: true });
  writeFileSync(join(home, `${zone}.zone`), parentText(zone, ''));
  writeFileSync(
    join(home, 'knot.conf'),
    [
      'database:',
      `  storage: "${home}"`,
      'policy:',
      '  - id: optout',
      '    algorithm: ecdsap256sha256',
      '    nsec3: on',
      '    nsec3-opt-out: on',
      '    nsec3-iterations: 1',
      '    nsec3-salt-length: 4',
      'zone:',
      `  - domain: ${zone}`,
      `    file: "${join(home, `${zone}.zone`)}"`,
      '    dnssec-signing: on',
      '    dnssec-policy: optout',
      '',
    ].join('\n'),
  );
  run(home, 'kzonesign', ['-c', 'knot.conf', '-o', join(home, 'out'), zone]);
  const file = join(home, 'out', `${zone}.zone`);
  const ksk = readFileSync(file, 'utf8').match(/\sDNSKEY\s+(257 .*)/);
  if (ksk === null) throw new Error(`kzonesign left no KSK in ${file}`);
  return { name: zone, file, trustAnchor: `${zone}. IN DNSKEY ${ksk[1].trim()}` };
}
