// Shared by the zone transfer tests: a zone big enough for several AXFR messages, and keys.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SECRETS = {
  sha256: Buffer.from('the sha256 secret of the xfr tests').toString('base64'),
  sha1: Buffer.from('the sha1 secret').toString('base64'),
  sha512: Buffer.from('the sha512 secret, a little longer than the others').toString('base64'),
};

export const KEYS = [
  { name: 'xfr-key', algorithm: 'hmac-sha256', secret: SECRETS.sha256 },
  { name: 'sha1-key', algorithm: 'hmac-sha1', secret: SECRETS.sha1 },
  { name: 'sha512-key', algorithm: 'hmac-sha512', secret: SECRETS.sha512 },
];

/** A master file of `zone` with `hosts` A records and some long TXT records. */
export function zoneText(zone: string, serial: number, hosts = 2000): string {
  const lines = [`$ORIGIN ${zone}.`, '$TTL 300', `@ IN SOA ns1 hostmaster ${serial} 3600 600 86400 300`, '@ IN NS ns1', 'ns1 IN A 127.0.0.1'];
  for (let i = 0; i < hosts; i++) lines.push(`h${i} IN A 10.${(i >> 8) & 255}.${i & 255}.1`);
  for (let i = 0; i < 100; i++) lines.push(`t${i} IN TXT "${'x'.repeat(200)}" "${i}"`);
  return `${lines.join('\n')}\n`;
}

/** A temp dir removed after the test. */
export async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'postern-xfr-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function writeZone(dir: string, zone: string, serial: number, hosts?: number): Promise<string> {
  const file = join(dir, `${zone}.zone`);
  await writeFile(file, zoneText(zone, serial, hosts));
  return file;
}
