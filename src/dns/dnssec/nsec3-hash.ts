// The NSEC3 owner hash (RFC 5155 §5): SHA-1 over the name's canonical wire form and the salt,
// then `iterations` more times over the digest and the salt.

import { createHash } from 'node:crypto';
import { canonicalWireName } from './canonical-name.ts';

/** The only hash algorithm RFC 5155 defines. */
export const NSEC3_SHA1 = 1;

export function nsec3Hash(name: string, iterations: number, salt: Buffer): Buffer {
  let digest = createHash('sha1').update(canonicalWireName(name)).update(salt).digest();
  for (let i = 0; i < iterations; i++) digest = createHash('sha1').update(digest).update(salt).digest();
  return digest;
}
