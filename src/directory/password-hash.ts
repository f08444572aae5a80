// Passwords stored as self-describing scrypt strings, so the cost parameters can rise later
// without breaking hashes already in a file:  $scrypt$N=16384,r=8,p=1$<salt b64>$<hash b64>
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParameters {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParameters = { N: 16384, r: 8, p: 1 };

const SALT_BYTES = 16;
const HASH_BYTES = 32;
// Refuse absurd parameters from a file: N=2^24,r=8 would need 16 GiB per verify.
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

interface ParsedHash extends ScryptParameters {
  salt: Buffer;
  hash: Buffer;
}

function derive(password: string, salt: Buffer, length: number, params: ScryptParameters): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((done, fail) => scrypt(password.normalize('NFC'), salt, length, options, (err, key) => (err ? fail(err) : done(key))));
}

export async function hashPassword(password: string, params: ScryptParameters = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, HASH_BYTES, params);
  return `$scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Why a stored string is not a usable hash, or undefined when it is. */
export function passwordHashProblem(stored: string): string | undefined {
  const parsed = parseHash(stored);
  return typeof parsed === 'string' ? parsed : undefined;
}

function parseHash(stored: string): ParsedHash | string {
  const parts = stored.split('$');
  if (parts.length !== 5 || parts[0] !== '' || parts[1] !== 'scrypt') return 'not a "$scrypt$N=…,r=…,p=…$salt$hash" string (make one with "postern user add")';
  const params = /^N=(\d+),r=(\d+),p=(\d+)$/.exec(parts[2]);
  if (!params) return `scrypt parameters "${parts[2]}" are not N=…,r=…,p=…`;
  const [N, r, p] = params.slice(1).map(Number);
  if (N < 2 || (N & (N - 1)) !== 0 || N > MAX_N) return `scrypt N=${N} must be a power of two from 2 to ${MAX_N}`;
  if (r < 1 || r > MAX_R || p < 1 || p > MAX_P) return `scrypt r=${r},p=${p} out of range (r 1..${MAX_R}, p 1..${MAX_P})`;
  const salt = Buffer.from(parts[3], 'base64');
  const hash = Buffer.from(parts[4], 'base64');
  if (salt.length < 8) return 'salt shorter than 8 bytes';
  if (hash.length < 16) return 'hash shorter than 16 bytes';
  return { N, r, p, salt, hash };
}

/** True when password matches the stored hash; false for a wrong password or an unusable hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (typeof parsed === 'string') return false;
  const candidate = await derive(password, parsed.salt, parsed.hash.length, parsed);
  return timingSafeEqual(candidate, parsed.hash);
}
