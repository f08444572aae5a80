// DKIM keys: made by `postern dkim keygen`, read from their files when the configuration is
// loaded, and the TXT record that publishes the public half (RFC 6376 §3.6.1; RFC 8463 for
// Ed25519, whose p= is the bare 32-byte key rather than a SubjectPublicKeyInfo).
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type DkimKeyType = 'rsa' | 'ed25519';

export interface DkimSigningKey {
  type: DkimKeyType;
  /** PKCS#8 PEM, as mailauth takes it. */
  pem: string;
  algorithm: 'rsa-sha256' | 'ed25519-sha256';
}

/** RFC 8301 §3.2: verifiers must accept keys of 1024 to 4096 bits; 1024 is the least they may require. */
const MIN_RSA_BITS = 1024;
const RSA_BITS = 2048;

export class DkimKeyError extends Error {
  override name = 'DkimKeyError';
}

function signingKeyOf(key: KeyObject): DkimSigningKey {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw new DkimKeyError(`an RSA key of ${bits} bits is too short for DKIM (RFC 8301: at least ${MIN_RSA_BITS}; use ${RSA_BITS})`);
    return { type, pem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'rsa-sha256' };
  }
  if (type === 'ed25519') return { type, pem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'ed25519-sha256' };
  throw new DkimKeyError(`a key of type ${type ?? 'unknown'} cannot sign DKIM: use an RSA or Ed25519 key`);
}

/** Reads a private key file (PEM); a DkimKeyError or the file system's error says why it cannot serve. */
export function readSigningKey(file: string): DkimSigningKey {
  const pem = readFileSync(file);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new DkimKeyError(`not a private key in PEM form (${(err as Error).message})`);
  }
  return signingKeyOf(key);
}

export function generateSigningKey(type: DkimKeyType): DkimSigningKey {
  const { privateKey } = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: RSA_BITS }) : generateKeyPairSync('ed25519');
  return signingKeyOf(privateKey);
}

/** The TXT record's text: "v=DKIM1; k=rsa; p=…". */
export function publicKeyRecord(key: DkimSigningKey): string {
  const spki = createPublicKey(key.pem).export({ type: 'spki', format: 'der' });
  // An Ed25519 SubjectPublicKeyInfo is a fixed 12-byte prefix and the 32-byte key.
  const p = key.type === 'ed25519' ? spki.subarray(spki.length - 32) : spki;
  return `v=DKIM1; k=${key.type}; p=${p.toString('base64')}`;
}

/** The record as a zone file line; the text is split into strings of at most 255 octets (RFC 1035 §3.3.14). */
export function publicKeyZoneLine(domain: string, selector: string, key: DkimSigningKey): string {
  const text = publicKeyRecord(key);
  const strings = text.match(/.{1,255}/g)!.map((s) => `"${s}"`);
  return `${selector}._domainkey.${domain}. IN TXT ${strings.join(' ')}`;
}
