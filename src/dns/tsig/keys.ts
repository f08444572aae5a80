// TSIG keys (RFC 8945 §6): a name, an HMAC algorithm and a shared secret. The algorithms are
// the RFC's mandatory hmac-sha1 and hmac-sha256 and the optional SHA-2 ones; hmac-md5 is not
// offered (deprecated by RFC 8945 §6).

import { keyNameOf } from '../acl.ts';

export const TSIG_ALGORITHMS = ['hmac-sha1', 'hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const;
export type TsigAlgorithm = (typeof TSIG_ALGORITHMS)[number];

export interface TsigKeySpec {
  name: string;
  algorithm: string;
  /** Base64. */
  secret: string;
}

export interface TsigKey {
  /** Lower case, without the trailing dot: the form compared and put on the wire. */
  name: string;
  algorithm: TsigAlgorithm;
  /** The node:crypto digest name. */
  hash: string;
  secret: Buffer;
}

/** Known keys by name. */
export type KeyRing = ReadonlyMap<string, TsigKey>;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const isTsigAlgorithm = (name: string): name is TsigAlgorithm => (TSIG_ALGORITHMS as readonly string[]).includes(name);

/** Why a secret is not usable, or undefined: it must be base64 and not empty. */
export function secretProblem(secret: string): string | undefined {
  const compact = secret.replace(/\s+/g, '');
  if (compact === '' || !BASE64.test(compact)) return 'expected the secret in base64, e.g. as printed by "tsig-keygen" or "openssl rand -base64 32"';
  return undefined;
}

/** A key from its configured form; throws naming the key when the algorithm or secret is bad. */
export function tsigKey(spec: TsigKeySpec): TsigKey {
  const algorithm = keyNameOf(spec.algorithm);
  if (!isTsigAlgorithm(algorithm)) throw new Error(`TSIG key ${spec.name}: unknown algorithm ${JSON.stringify(spec.algorithm)} (expected one of ${TSIG_ALGORITHMS.join(', ')})`);
  const problem = secretProblem(spec.secret);
  if (problem !== undefined) throw new Error(`TSIG key ${spec.name}: ${problem}`);
  return { name: keyNameOf(spec.name), algorithm, hash: algorithm.slice('hmac-'.length), secret: Buffer.from(spec.secret.replace(/\s+/g, ''), 'base64') };
}

export function keyRing(specs: readonly TsigKeySpec[]): KeyRing {
  return new Map(specs.map((spec) => [keyNameOf(spec.name), tsigKey(spec)]));
}
