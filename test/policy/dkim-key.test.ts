// DKIM keys: what `postern dkim keygen` makes and the configuration may name, checked when read;
// the published record carries the public key in the form each algorithm wants (RFC 6376 §3.6.1,
// RFC 8463 §4).
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DkimKeyError, generateSigningKey, publicKeyRecord, publicKeyZoneLine, readSigningKey } from '../../src/policy/dkim-key.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';

const dir = await scratchDir();
const write = (name: string, pem: string | Buffer) => {
  const file = join(dir, name);
  writeFileSync(file, pem);
  return file;
};

test('RSA keys are 2048 bits and published as a SubjectPublicKeyInfo; Ed25519 as the bare 32-byte key', () => {
  const rsa = generateSigningKey('rsa');
  assert.equal(rsa.algorithm, 'rsa-sha256');
  assert.equal(createPublicKey(rsa.pem).asymmetricKeyDetails?.modulusLength, 2048);
  const rsaP = /^v=DKIM1; k=rsa; p=([A-Za-z0-9+/=]+)$/.exec(publicKeyRecord(rsa))![1]!;
  assert.equal(createPublicKey({ key: Buffer.from(rsaP, 'base64'), format: 'der', type: 'spki' }).asymmetricKeyType, 'rsa');

  const ed = generateSigningKey('ed25519');
  assert.equal(ed.algorithm, 'ed25519-sha256');
  const edP = /^v=DKIM1; k=ed25519; p=([A-Za-z0-9+/=]+)$/.exec(publicKeyRecord(ed))![1]!;
  assert.equal(Buffer.from(edP, 'base64').length, 32);
});

test('the zone line splits the record into strings of at most 255 octets', () => {
  const line = publicKeyZoneLine('example.test', 's1', generateSigningKey('rsa'));
  assert.match(line, /^s1\._domainkey\.example\.test\. IN TXT "v=DKIM1; k=rsa; p=[^"]{200,}" "[^"]+"$/);
  for (const s of line.match(/"[^"]*"/g)!) assert.ok(s.length - 2 <= 255);
});

test('key files: PKCS#8 and PKCS#1 PEM are read; short RSA keys, other key types and non-keys are refused with the reason', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  assert.equal(readSigningKey(write('pkcs1.pem', rsa.export({ type: 'pkcs1', format: 'pem' }))).type, 'rsa');
  assert.equal(readSigningKey(write('ed.pem', generateSigningKey('ed25519').pem)).type, 'ed25519');
  const short = generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  assert.throws(() => readSigningKey(write('short.pem', short)), (err: Error) => err instanceof DkimKeyError && /512 bits is too short/.test(err.message));
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  assert.throws(() => readSigningKey(write('ec.pem', ec)), (err: Error) => err instanceof DkimKeyError && /a key of type ec cannot sign DKIM/.test(err.message));
  const publicOnly = createPublicKey(rsa).export({ type: 'spki', format: 'pem' });
  assert.throws(() => readSigningKey(write('public.pem', publicOnly)), (err: Error) => err instanceof DkimKeyError && /not a private key/.test(err.message));
  assert.throws(() => readSigningKey(join(dir, 'missing.pem')), { code: 'ENOENT' });
});
