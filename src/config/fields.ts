// Field schemas shared by the configuration schema. Each one turns the file's text form into the
// value the services use, and on failure says what was expected and what was found.
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { formatCidr, parseCidr } from './cidr.ts';
import { parseEndpoint, type Endpoint } from './endpoint.ts';
import { parseDuration, parseSize } from './units.ts';

export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function parsed<T>(expected: string, parse: (v: string | number) => T | undefined) {
  return z.union([z.string(), z.number()], { error: (iss) => `expected ${expected}, got ${show(iss.input)}` }).transform((v, ctx) => {
    const out = parse(v);
    if (out === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${show(v)}`, input: v });
      return z.NEVER;
    }
    return out;
  });
}

/** A duration in milliseconds ("30s", "5m", "4h", "5d"). */
export const duration = () => parsed('a duration like 30s, 5m, 4h or 5d', parseDuration);

/** A size in bytes ("10MB", "512k"). */
export const size = () => parsed('a size like 10MB or 512k', parseSize);

export const positiveInt = (what = 'a whole number of at least 1') =>
  z.number({ error: (iss) => `expected ${what}, got ${show(iss.input)}` }).int({ error: (iss) => `expected ${what}, got ${show(iss.input)}` }).min(1, { error: (iss) => `expected ${what}, got ${show(iss.input)}` });

export const endpoint = (defaultPort: number) =>
  z.string({ error: (iss) => `expected "address:port", got ${show(iss.input)}` }).transform((v, ctx): Endpoint => {
    const ep = parseEndpoint(v, defaultPort);
    if (!ep) {
      ctx.addIssue({ code: 'custom', message: `expected "address:port" with an IP address and a port 1-65535 (e.g. "127.0.0.1:${defaultPort}" or "[::1]:${defaultPort}"), got ${show(v)}`, input: v });
      return z.NEVER;
    }
    return ep;
  });

/** A domain name: stored lower-case, in ASCII (IDN as punycode), without a trailing dot. */
export const domainName = () =>
  z.string({ error: (iss) => `expected a domain name, got ${show(iss.input)}` }).transform((v, ctx) => {
    const trimmed = v.trim().replace(/\.$/, '');
    const ascii = trimmed === '' ? '' : domainToASCII(trimmed);
    const valid = ascii !== '' && ascii.length <= 253 && ascii.split('.').every((l) => l.length >= 1 && l.length <= 63);
    if (!valid) {
      ctx.addIssue({ code: 'custom', message: `expected a domain name like example.com, got ${show(v)}`, input: v });
      return z.NEVER;
    }
    return ascii.toLowerCase();
  });

/** A file or folder path, resolved against the directory of the configuration file. */
export const pathIn = (baseDir: string) =>
  z.string({ error: (iss) => `expected a file path, got ${show(iss.input)}` }).min(1, { error: 'expected a file path, got an empty string' }).transform((v) => resolve(baseDir, v));

/** An IP network, "192.0.2.0/24" or "2001:db8::/32"; a bare address is one host. Kept as text, "address/prefix". */
export const cidr = () =>
  z.string({ error: (iss) => `expected a network like 192.0.2.0/24 or 2001:db8::/32, got ${show(iss.input)}` }).transform((v, ctx): string => {
    const parsedCidr = parseCidr(v);
    if (!parsedCidr) {
      ctx.addIssue({ code: 'custom', message: `expected a network like 192.0.2.0/24 or 2001:db8::/32 (an IP address, optionally "/" and a prefix length), got ${show(v)}`, input: v });
      return z.NEVER;
    }
    return formatCidr(parsedCidr);
  });

/** A TCP or UDP port. */
export const port = () =>
  z.number({ error: (iss) => `expected a port 1-65535, got ${show(iss.input)}` }).int({ error: (iss) => `expected a port 1-65535, got ${show(iss.input)}` }).min(1, { error: (iss) => `expected a port 1-65535, got ${show(iss.input)}` }).max(65535, { error: (iss) => `expected a port 1-65535, got ${show(iss.input)}` });

/** An IP address (v4 or v6). */
export const ipAddress = () =>
  z.string({ error: (iss) => `expected an IP address, got ${show(iss.input)}` }).refine((v) => isIP(v) !== 0, { error: (iss) => `expected an IP address like 127.0.0.1 or ::1, got ${show(iss.input)}` });

/** The message for a discriminated union on "type" whose type is missing or unknown. */
export const unknownType = (what: string, types: readonly string[]) => (iss: { input?: unknown }) => {
  const given = iss.input !== null && typeof iss.input === 'object' ? (iss.input as Record<string, unknown>).type : iss.input;
  return `expected a ${what} with type ${types.join(' or ')}, got ${show(given)}`;
};
